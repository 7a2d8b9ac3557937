package html

import "example.com/clean/reports"
