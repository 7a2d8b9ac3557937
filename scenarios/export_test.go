package scenarios

// UpdateGolden is the -update flag, for the tests of package scenarios_test.
var UpdateGolden = update
