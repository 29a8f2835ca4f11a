// Command tool is a main package: not API.
package main

// Exported is not API.
func Exported() {}

func main() {}
