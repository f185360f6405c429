// Package callflow names the call flow logics: the programs that decide
// what a call says and does. Every call_flow_logic attribute (account
// settings, callout, participation, phone call) must name a registered one.
package callflow

import "slices"

// Built-in call flow logics, always registered.
const (
	// HelloWorld greets the callee with a fixed demonstration message.
	HelloWorld = "CallFlowLogic::HelloWorld"
	// PlayMessage plays the recording or says the text configured on the
	// callout.
	PlayMessage = "CallFlowLogic::PlayMessage"
)

// optional are the call flow logics a deployment may enable by name.
//
// TODO: the survey flows CallFlowLogic::AvfCapom::CapomShort and
// CapomLong are not ported; done when their state machines render TwiML
// and they are listed here.
func optional() []string { return nil }

// Registry is the set of call flow logics a deployment accepts.
type Registry struct {
	names []string
}

// NewRegistry returns the built-in logics plus those of enable that name an
// optional logic this build implements; other names are ignored.
func NewRegistry(enable []string) Registry {
	names := []string{HelloWorld, PlayMessage}
	for _, n := range enable {
		if slices.Contains(optional(), n) && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return Registry{names: names}
}

// Registered reports whether name is an accepted call flow logic.
func (r Registry) Registered(name string) bool { return slices.Contains(r.names, name) }

// Names returns the accepted names.
func (r Registry) Names() []string { return slices.Clone(r.names) }
