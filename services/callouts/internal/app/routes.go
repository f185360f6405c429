package app

import (
	"scfm/callouts/internal/command"
	"scfm/callouts/internal/query"
	"scfm/shared/batchops"
	"scfm/shared/eventstore"
	"scfm/shared/natsbus"
	"scfm/shared/readmodel"
)

// register maps command and query names to their handlers.
func register(s *natsbus.Server, cmds *command.Handlers, db eventstore.Querier) {
	for name, h := range map[string]natsbus.Handler{
		"account.create":       cmds.CreateAccount,
		"account.update":       cmds.UpdateAccount,
		"account.delete":       cmds.DeleteAccount,
		"access_token.create":  cmds.CreateAccessToken,
		"access_token.update":  cmds.UpdateAccessToken,
		"access_token.delete":  cmds.DeleteAccessToken,
		"user.create":          cmds.CreateUser,
		"user.update":          cmds.UpdateUser,
		"user.delete":          cmds.DeleteUser,
		"user.event":           cmds.UserEvent,
		"callout.create":       cmds.CreateCallout,
		"callout.update":       cmds.UpdateCallout,
		"callout.delete":       cmds.DeleteCallout,
		"callout.event":        cmds.CalloutEvent,
		"participation.create": cmds.CreateParticipation,
		"participation.update": cmds.UpdateParticipation,
		"participation.delete": cmds.DeleteParticipation,
		"contact.create":       cmds.CreateContact,
		"contact.update":       cmds.UpdateContact,
		"contact.delete":       cmds.DeleteContact,
	} {
		s.HandleCommand(name, h)
	}
	s.HandleCommand("contact_import.create", cmds.CreateContactImport)
	s.HandleCommand("contact_import.chunk", cmds.ImportContactChunk)
	s.HandleCommand("contact_import.finish", cmds.FinishContactImport)
	s.HandleCommand(batchops.CommandPopulate, cmds.Populate)

	for model, res := range map[string]query.Resource{
		"account":       query.Accounts(db),
		"access_token":  query.AccessTokens(db),
		"user":          query.Users(db),
		"contact":       query.Contacts(db),
		"callout":       query.Callouts(db),
		"participation": query.Participations(db),
	} {
		s.HandleQuery(model+".get", res.Get)
		s.HandleQuery(model+".list", res.List)
	}
	s.HandleQuery("callout.summary", query.CalloutSummary(db))
	s.HandleQuery("contact_import.get", query.ContactImports(db).Get)
	s.HandleQuery("contact_import.list", query.ContactImports(db).List)
	s.HandleQuery("contact_import_error.list", query.ContactImportErrors(db))
	s.HandleQuery(batchops.QueryContacts, query.BatchContacts(db))
	s.HandleQuery(batchops.QueryParticipations, query.BatchParticipations(db))
	s.HandleQuery(batchops.QueryPosition, query.Position(db))
	s.HandleQuery("token.resolve", query.ResolveToken(db))
	s.HandleQuery("command.answer", readmodel.CommandAnswer(db))
}
