// Package gone is removed by one test case.
package gone

// G is a function of the removed package.
func G() {}
