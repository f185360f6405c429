// Package simulator is a Twilio-compatible voice provider that dials nobody.
//
// It answers the parts of the 2010-04-01 REST API that the dialer uses
// (create, fetch and list calls) with the JSON shapes the official twilio-go
// client decodes, and then plays each call through a short timeline:
// initiated, ringing, answered, and a final status drawn from a weighted,
// seeded mix. Along the way it sends signed status callbacks and requests the
// call's voice URL the way a real provider does, so a callout runs end to end
// without a network or an account, and load tests can measure the rest of the
// system against a provider that behaves and throttles predictably.
//
// Any account SID and auth token are accepted; the first token seen for a SID
// becomes that account's token and signs its callbacks. Use NewServer to embed
// the simulator (tests wrap Handler in httptest.NewServer) or Run to serve it
// on its own address.
package simulator
