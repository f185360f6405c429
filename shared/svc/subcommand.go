package svc

// Subcommand returns the first argument of a service binary, "serve" when
// there is none.
func Subcommand(args []string) string {
	if len(args) < 2 {
		return "serve"
	}
	return args[1]
}
