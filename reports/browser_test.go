package reports

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/replsim/replsim/scenarios"
)

// chromium is Debian's headless browser; .ci/run installs it under CI.
const chromium = "/usr/bin/chromium"

// chromiumFlags run it headless on a machine without a display, a GPU, a
// sandbox or a network, with a profile of its own.
func chromiumFlags(profile string) []string {
	return []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + profile, "--window-size=1280,2400"}
}

// needChromium skips the test when chromium is not installed, except
// under CI, which must run it.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI=true: .ci/run installs it (apt-get install chromium)", chromium)
		}
		t.Skipf("%s is not installed (apt-get install chromium): the pages are not checked in a browser", chromium)
	}
}

// checkScript goes first in the head of a copy of a page: it records
// console errors, uncaught errors and resources that fail to load; once
// the page has loaded it checks every image (loaded, with a size, and
// drawn with some colour: a plot of axes and grid alone is grey), and
// writes what it found into the DOM as JSON, for --dump-dom, in an
// element that is not displayed: a screenshot taken in the same run shows
// the page as it is.
const checkScript = `<script>
(function () {
  var errors = [];
  var orig = console.error;
  console.error = function () { errors.push("console.error: " + Array.prototype.join.call(arguments, " ")); orig.apply(console, arguments); };
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) { errors.push("failed to load: " + String(t.src || t.href).slice(0, 80)); }
    else { errors.push("error: " + e.message); }
  }, true);
  window.addEventListener("load", function () {
    var images = 0;
    for (var i = 0; i < document.images.length; i++) {
      var im = document.images[i], name = im.alt || ("image " + i);
      if (!im.complete || im.naturalWidth === 0 || im.naturalHeight === 0) { errors.push("broken image: " + name); continue; }
      images++;
      var w = 640, h = 340, c = document.createElement("canvas");
      c.width = w; c.height = h;
      var g = c.getContext("2d");
      g.fillStyle = "#fff"; g.fillRect(0, 0, w, h); g.drawImage(im, 0, 0, w, h);
      var d;
      try { d = g.getImageData(0, 0, w, h).data; } catch (err) { errors.push("cannot read " + name + ": " + err); continue; }
      var coloured = 0;
      for (var k = 0; k < d.length; k += 4) {
        if (Math.max(d[k], d[k+1], d[k+2]) - Math.min(d[k], d[k+1], d[k+2]) > 60) { coloured++; }
      }
      if (coloured < 30) { errors.push("empty plot: " + name + " (" + coloured + " coloured pixels)"); }
    }
    var pre = document.createElement("pre");
    pre.id = "browser-check";
    pre.hidden = true;
    pre.textContent = JSON.stringify({images: images, errors: errors});
    document.body.appendChild(pre);
  });
})();
</script>`

// browserCheck is what checkScript found on a page.
type browserCheck struct {
	Images int      `json:"images"`
	Errors []string `json:"errors"`
}

// checkInBrowser opens a copy of page (beside it, so relative links hold)
// with checkScript in it and returns what the script found. With png set,
// the same run of chromium saves a screenshot of the page there (the
// script draws nothing) and the test logs its path.
func checkInBrowser(t *testing.T, page, png string) browserCheck {
	t.Helper()
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	html := strings.Replace(string(b), "<head>", "<head>\n"+checkScript, 1)
	cp := filepath.Join(filepath.Dir(page), "browser-check-"+filepath.Base(page))
	if err := os.WriteFile(cp, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--dump-dom", "file://" + cp}
	if png != "" {
		args = append([]string{"--screenshot=" + png}, args...)
	}
	out := runChromium(t, args...)
	if png != "" {
		if st, err := os.Stat(png); err != nil || st.Size() == 0 {
			t.Fatalf("no screenshot of %s: %v", page, err)
		}
		t.Logf("screenshot of %s: %s", filepath.Base(page), png)
	}
	_, after, ok := strings.Cut(out, `<pre id="browser-check"`)
	_, after, ok1 := strings.Cut(after, ">")
	body, _, ok2 := strings.Cut(after, "</pre>")
	if !ok || !ok1 || !ok2 {
		t.Fatalf("%s: the check did not run (no #browser-check in the DOM):\n%.2000s", page, out)
	}
	var c browserCheck
	if err := json.Unmarshal([]byte(strings.NewReplacer("&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(body)), &c); err != nil {
		t.Fatalf("%s: %v in %q", page, err, body)
	}
	return c
}

// runChromium runs chromium on one page with a profile of its own and
// returns its stdout.
func runChromium(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, append(chromiumFlags(t.TempDir()), args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("chromium %s: %v\n%.3000s", args[0], err, stderr.String())
	}
	return string(out)
}

// report.html of a tiny sweep and run.html of a short run load in a real
// browser without a console error, a broken image or an empty plot; a
// screenshot of each is kept in the test's temporary folder.
//
// REPLSIM_SCREENSHOTS=DIR keeps the screenshots in DIR instead.
func TestPagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the pages are not opened in a browser (about a minute)")
	}
	needChromium(t)
	shots := os.Getenv("REPLSIM_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}

	sweepDir := t.TempDir()
	meta, recs := runTiny(t, sweepDir, 2, 2, "config.repl-backlog-size=16kb,1mb")
	if _, err := Write(sweepDir, meta, recs, Options{TimelineRun: -1}); err != nil {
		t.Fatal(err)
	}
	s, err := scenarios.LoadFile(tinyFile, scenarios.Overrides{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := scenarios.Run(s, 1, scenarios.RunOptions{SampleEvery: SampleEvery(s.Duration)})
	if err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	if err := WriteRun(runDir, rec); err != nil {
		t.Fatal(err)
	}
	for _, pg := range []struct {
		path   string
		images int
	}{
		{filepath.Join(sweepDir, HTMLFile), 3},
		{filepath.Join(runDir, RunHTML), 4},
	} {
		t.Run(filepath.Base(pg.path), func(t *testing.T) {
			t.Parallel()
			c := checkInBrowser(t, pg.path, filepath.Join(shots, strings.TrimSuffix(filepath.Base(pg.path), ".html")+".png"))
			for _, e := range c.Errors {
				t.Errorf("%s: %s", filepath.Base(pg.path), e)
			}
			if c.Images < pg.images {
				t.Errorf("%s: %d images loaded, want at least %d", filepath.Base(pg.path), c.Images, pg.images)
			}
		})
	}
}

// The check fails a page with a console error, a broken image and a plot
// with nothing drawn on it.
func TestBrowserCheckCatchesErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no browser")
	}
	t.Parallel()
	needChromium(t)
	dir := t.TempDir()
	empty := `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect x="10" y="10" width="180" height="80" fill="none" stroke="#000"/></svg>`
	page := filepath.Join(dir, "bad.html")
	html := `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<img alt="missing" src="missing.png">
<img alt="axes only" ` + string(svgImage([]byte(empty))) + `>
<script>console.error("boom")</script></body></html>`
	if err := os.WriteFile(page, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	c := checkInBrowser(t, page, "")
	got := strings.Join(c.Errors, "\n")
	for _, want := range []string{"console.error: boom", "broken image: missing", "empty plot: axes only"} {
		if !strings.Contains(got, want) {
			t.Errorf("the check missed %q; it found:\n%s", want, got)
		}
	}
}
