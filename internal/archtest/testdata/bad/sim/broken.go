package sim

func broken() {
	if {
}
