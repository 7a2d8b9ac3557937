package deeper

// A package below scenarios/world keeps scenarios/world's place in the order.
import "example.com/bad/scenarios/sweep"
