package e2e_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAdminCreatesAccountWithoutParameters(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	r := admin.do(t, http.MethodPost, "/api/accounts", "", "")
	m := identRequireCreated(t, r, "accounts")
	identRequireNewAccount(t, m)
	require.Equal(t, m["created_at"], m["updated_at"])

	require.Equal(t, m, identAccount(t, admin, idOf(t, m)))
}

func TestAdminFetchesAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)

	r := admin.get(t, identAccountPath(a.ID))
	require.Equal(t, http.StatusOK, r.Status, "%s", r)
	require.Equal(t, "application/json; charset=utf-8", r.Header.Get("Content-Type"))
	m := object(t, r)
	identRequireNewAccount(t, m)
	require.Equal(t, a.ID, idOf(t, m))

	requireNotFound(t, admin.get(t, "/api/accounts/999999999"))
	requireNotFound(t, admin.get(t, "/api/accounts/not-a-number"))
}

func TestAdminUpdatesAccountCredentialsSettingsAndMetadata(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	path := identAccountPath(a.ID)
	identRequireNoContent(t, admin.form(t, http.MethodPatch, path, "metadata[bar]=baz"))
	before := identAccount(t, admin, a.ID)
	require.JSONEq(t, `{"bar":"baz"}`, jsonText(t, before["metadata"]))

	twilioSID, somlengSID := identUnique("AC123"), identUnique("s1")
	r := admin.form(t, http.MethodPatch, path, "metadata[foo]=bar&metadata_merge_mode=replace"+
		"&twilio_account_sid="+twilioSID+"&twilio_auth_token=t1"+
		"&somleng_account_sid="+somlengSID+"&somleng_auth_token=t2"+
		"&settings[platform_provider_name]=somleng"+
		"&settings[call_flow_logic]=CallFlowLogic::HelloWorld")
	identRequireNoContent(t, r)

	got := identAccount(t, admin, a.ID)
	requireKeys(t, got, identAccountKeys...)
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.Equal(t, twilioSID, got["twilio_account_sid"])
	require.Equal(t, "t1", got["twilio_auth_token"])
	require.Equal(t, somlengSID, got["somleng_account_sid"])
	require.Equal(t, "t2", got["somleng_auth_token"])
	require.JSONEq(t,
		`{"platform_provider_name":"somleng","call_flow_logic":"CallFlowLogic::HelloWorld"}`,
		jsonText(t, got["settings"]))
	require.JSONEq(t, `[]`, jsonText(t, got["permissions"]))
	require.Equal(t, before["created_at"], got["created_at"])
	require.False(t, requireTimestamp(t, got["updated_at"]).Before(
		requireTimestamp(t, before["updated_at"])))

	// PUT updates the same way.
	identRequireNoContent(t, admin.form(t, http.MethodPut, path, "metadata[put]=yes"))
	require.JSONEq(t, `{"foo":"bar","put":"yes"}`,
		jsonText(t, identAccount(t, admin, a.ID)["metadata"]))
}

func TestAccountSettingsRejectUnknownProviderAndCallFlowLogic(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	path := identAccountPath(a.ID)
	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[platform_provider_name]=twilio"))
	before := identAccount(t, admin, a.ID)

	requireErrors(t, admin.form(t, http.MethodPatch, path, "settings[platform_provider_name]=nexmo"),
		`{"platform_provider_name":["is not included in the list"]}`)
	requireErrors(t, admin.form(t, http.MethodPatch, path, "settings[call_flow_logic]=Callout"),
		`{"call_flow_logic":["is not included in the list"]}`)
	requireErrors(t, admin.form(t, http.MethodPatch, path, "settings[platform_provider_name]="),
		`{"platform_provider_name":["is not included in the list"]}`)

	require.Equal(t, before, identAccount(t, admin, a.ID))
}

func TestAccountSettingsAcceptSimulatorPacingAndProviderURLs(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	path := identAccountPath(a.ID)

	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[platform_provider_name]=simulator"))
	require.JSONEq(t, `{"platform_provider_name":"simulator"}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))

	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[platform_provider_name]=twilio"+
			"&settings[twilio_api_base_url]=http://127.0.0.1:9/stub"+
			"&settings[somleng_api_base_url]=https://api.somleng.example"+
			"&settings[calls_per_second]=5&settings[max_concurrent_calls]=2"))
	require.JSONEq(t, `{"platform_provider_name":"twilio",`+
		`"twilio_api_base_url":"http://127.0.0.1:9/stub",`+
		`"somleng_api_base_url":"https://api.somleng.example",`+
		`"calls_per_second":"5","max_concurrent_calls":"2"}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))

	// A JSON body keeps the numbers' type.
	identRequireNoContent(t, admin.json(t, http.MethodPatch, path,
		`{"settings":{"platform_provider_name":"simulator","calls_per_second":0.5}}`))
	require.JSONEq(t, `{"platform_provider_name":"simulator","calls_per_second":0.5}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))
}

func TestAccountSettingsAreReplacedAndUnknownKeysDropped(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	path := identAccountPath(a.ID)

	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[platform_provider_name]=twilio&settings[foo]=bar&settings[nested][x]=1"))
	require.JSONEq(t, `{"platform_provider_name":"twilio"}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))

	// Settings are replaced wholesale by what was sent, not merged.
	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[call_flow_logic]=CallFlowLogic::HelloWorld"))
	require.JSONEq(t, `{"call_flow_logic":"CallFlowLogic::HelloWorld"}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))

	// Without settings they stay as they are.
	identRequireNoContent(t, admin.form(t, http.MethodPatch, path, "metadata[x]=y"))
	require.JSONEq(t, `{"call_flow_logic":"CallFlowLogic::HelloWorld"}`,
		jsonText(t, identAccount(t, admin, a.ID)["settings"]))

	// Unknown keys are dropped on create too.
	m := identCreateAccount(t, admin, "settings[foo]=bar&settings[platform_provider_name]=simulator")
	require.JSONEq(t, `{"platform_provider_name":"simulator"}`, jsonText(t, m["settings"]))
}

func TestAccountSettingsRejectNonPositivePacingAndInvalidURLs(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)
	path := identAccountPath(a.ID)
	identRequireNoContent(t, admin.form(t, http.MethodPatch, path,
		"settings[platform_provider_name]=simulator"))
	before := identAccount(t, admin, a.ID)

	tests := []struct {
		body string
		key  string
	}{
		{body: "settings[calls_per_second]=0", key: "calls_per_second"},
		{body: "settings[calls_per_second]=-1", key: "calls_per_second"},
		{body: "settings[calls_per_second]=fast", key: "calls_per_second"},
		{body: "settings[max_concurrent_calls]=0", key: "max_concurrent_calls"},
		{body: "settings[twilio_api_base_url]=not-a-url", key: "twilio_api_base_url"},
		{body: "settings[somleng_api_base_url]=ftp://example.com", key: "somleng_api_base_url"},
	}
	// The group ends when all its parallel subtests have.
	t.Run("group", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.body, func(t *testing.T) {
				t.Parallel()

				r := admin.form(t, http.MethodPatch, path, tt.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
				errs, ok := object(t, r)["errors"].(map[string]any)
				require.True(t, ok, "%s", r)
				require.Len(t, errs, 1, "%s", r)
				msgs, ok := errs[tt.key].([]any)
				require.True(t, ok, "%s", r)
				require.NotEmpty(t, msgs)

				// Refused on create too.
				r = admin.form(t, http.MethodPost, "/api/accounts", tt.body)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
				require.Empty(t, r.Header.Get("Location"))
			})
		}
	})

	require.Equal(t, before, identAccount(t, admin, a.ID))
}

func TestAdminDeletesAccountWithoutDependents(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	x := identCreateAccount(t, admin, "metadata[name]=X")
	path := identAccountPath(idOf(t, x))

	identRequireNoContent(t, admin.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, admin.get(t, path))
	requireNotFound(t, admin.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, admin.form(t, http.MethodPatch, path, "metadata[a]=b"))
}

// identAccountOwning creates an account that owns one of each of the
// given things ("access tokens", "users", "contacts", "callouts"). It works
// with a token the super admin creates for it and deletes afterwards
// unless the account is to own access tokens. It returns the account and
// that token, which may be revoked.
func identAccountOwning(t testing.TB, admin account, things ...string) account {
	t.Helper()

	id := idOf(t, identCreateAccount(t, admin, ""))
	tok, plain := identCreateToken(t, admin, "account_id="+strconv.FormatInt(id, 10))
	x := identAwaitToken(t, plain)
	require.Equal(t, id, x.ID)

	keepToken := false
	for _, thing := range things {
		switch thing {
		case "access tokens":
			keepToken = true
		case "users":
			identNewUser(t, x, "")
		case "contacts":
			x.createContact(t, "msisdn="+msisdn(1))
		case "callouts":
			r := x.form(t, http.MethodPost, "/api/callouts", "")
			require.Equal(t, http.StatusCreated, r.Status, "create a callout: %s", r)
		default:
			t.Fatalf("unknown thing %q", thing)
		}
	}

	if !keepToken {
		identRequireNoContent(t, admin.do(t, http.MethodDelete,
			identTokenPath(idOf(t, tok))+"?account_id="+strconv.FormatInt(id, 10), "", ""))
	}

	return x
}

func TestAccountDeleteIsRefusedWhileItOwnsRecords(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)

	// Dependents are checked in this order; the first one found is reported.
	tests := []struct {
		owns []string
		want string
	}{
		{owns: []string{"access tokens", "users", "contacts", "callouts"}, want: "access tokens"},
		{owns: []string{"access tokens"}, want: "access tokens"},
		{owns: []string{"users", "contacts", "callouts"}, want: "users"},
		{owns: []string{"users"}, want: "users"},
		{owns: []string{"contacts", "callouts"}, want: "contacts"},
		{owns: []string{"contacts"}, want: "contacts"},
		{owns: []string{"callouts"}, want: "callouts"},
	}
	for _, tt := range tests {
		t.Run(tt.want+" of "+jsonText(t, tt.owns), func(t *testing.T) {
			t.Parallel()

			x := identAccountOwning(t, admin, tt.owns...)
			before := identAccount(t, admin, x.ID)

			r := admin.do(t, http.MethodDelete, identAccountPath(x.ID), "", "")
			requireErrors(t, r,
				`{"base":["Cannot delete record because dependent `+tt.want+` exist"]}`)
			require.Equal(t, before, identAccount(t, admin, x.ID))
		})
	}
}

func TestAccountCanBeDeletedOnceItsRecordsAreGone(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	x := identAccountOwning(t, admin, "access tokens")
	xid := strconv.FormatInt(x.ID, 10)
	c := x.createContact(t, "msisdn="+msisdn(1))
	r := x.form(t, http.MethodPost, "/api/callouts", "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	callout := object(t, r)
	u := identNewUser(t, x, "")

	identRequireNoContent(t, x.do(t, http.MethodDelete,
		"/api/callouts/"+strconv.FormatInt(idOf(t, callout), 10), "", ""))
	identRequireNoContent(t, x.do(t, http.MethodDelete, contactPath(idOf(t, c)), "", ""))
	identRequireNoContent(t, x.do(t, http.MethodDelete, identUserPath(idOf(t, u)), "", ""))

	_, tokens := admin.list(t, "/api/accounts/"+xid+"/access_tokens")
	require.Len(t, tokens, 1)
	identRequireNoContent(t, admin.do(t, http.MethodDelete,
		identTokenPath(idOf(t, tokens[0]))+"?account_id="+xid, "", ""))
	identRequireUnauthorized(t, x.get(t, "/api/account"))

	identRequireNoContent(t, admin.do(t, http.MethodDelete, identAccountPath(x.ID), "", ""))
	requireNotFound(t, admin.get(t, identAccountPath(x.ID)))
}

func TestProviderAccountSIDsAreUniqueAcrossAccounts(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)

	for _, key := range []string{"twilio_account_sid", "somleng_account_sid"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()

			sid := identUnique("AC")
			x := identCreateAccount(t, admin, key+"="+sid)
			require.Equal(t, sid, x[key])
			taken := `{"` + key + `":["has already been taken"]}`

			// A second account with the SID is refused and not created.
			marker := identUnique("m")
			requireErrors(t, admin.form(t, http.MethodPost, "/api/accounts",
				key+"="+sid+"&metadata[marker]="+marker), taken)
			r, _ := admin.list(t, "/api/accounts?q[metadata][marker]="+marker)
			requirePage(t, r, 25, 0)

			// Another account cannot change to it.
			y := identCreateAccount(t, admin, "")
			requireErrors(t, admin.form(t, http.MethodPatch, identAccountPath(idOf(t, y)),
				key+"="+sid+"&metadata[changed]=yes"), taken)
			require.Equal(t, y, identAccount(t, admin, idOf(t, y)))

			// The account that has it may keep it.
			identRequireNoContent(t, admin.form(t, http.MethodPatch, identAccountPath(idOf(t, x)),
				key+"="+sid+"&metadata[kept]=yes"))
			got := identAccount(t, admin, idOf(t, x))
			require.Equal(t, sid, got[key])
			require.JSONEq(t, `{"kept":"yes"}`, jsonText(t, got["metadata"]))
		})
	}

	t.Run("a SID is unique across both kinds", func(t *testing.T) {
		t.Parallel()

		// Callbacks find their account by SID alone, whatever its kind.
		sid := identUnique("AC")
		identCreateAccount(t, admin, "twilio_account_sid="+sid)
		r := admin.form(t, http.MethodPost, "/api/accounts", "somleng_account_sid="+sid)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
		require.JSONEq(t, `{"errors":{"somleng_account_sid":["has already been taken"]}}`, string(r.Body))
	})

	t.Run("simulator SIDs are reserved", func(t *testing.T) {
		t.Parallel()

		r := admin.form(t, http.MethodPost, "/api/accounts", "twilio_account_sid=ACsimulator1")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r)
	})
}

func TestCurrentAccountIsTheTokensAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)

	m := identFetch(t, a, "/api/account")
	identRequireNewAccount(t, m)
	require.Equal(t, a.ID, idOf(t, m))

	identRequireNoContent(t, a.form(t, http.MethodPatch, "/api/account", "metadata[foo]=bar"))
	got := identFetch(t, a, "/api/account")
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.Equal(t, got, identAccount(t, admin, a.ID))

	identRequireNoContent(t, a.form(t, http.MethodPut, "/api/account", "metadata[baz]=qux"))
	require.JSONEq(t, `{"foo":"bar","baz":"qux"}`,
		jsonText(t, identFetch(t, a, "/api/account")["metadata"]))

	// The super admin's current account is its own.
	own := identFetch(t, admin, "/api/account")
	requireKeys(t, own, identAccountKeys...)
	require.Equal(t, admin.ID, idOf(t, own))
	require.JSONEq(t, `["super_admin"]`, jsonText(t, own["permissions"]))
	require.NotEqual(t, a.ID, admin.ID)
}

func TestAdminListsAllAccounts(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a, b := newCaller(t), newCaller(t)

	r, items := admin.list(t, "/api/accounts")
	require.Equal(t, "25", r.Header.Get("Per-Page"))
	total, err := strconv.Atoi(r.Header.Get("Total"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, total, 3)
	require.LessOrEqual(t, len(items), 25)
	for _, item := range items {
		requireKeys(t, item, identAccountKeys...)
	}

	// Other tests create accounts at the same time: look until one answer
	// lists as many accounts as its Total says.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, items = identListAll(t, admin, "/api/accounts")
		if r.Header.Get("Total") == strconv.Itoa(len(items)) {
			break
		}
		require.True(t, time.Now().Before(deadline), "Total %s, listed %d",
			r.Header.Get("Total"), len(items))
		time.Sleep(50 * time.Millisecond)
	}
	require.Contains(t, ids(t, items), admin.ID)
	require.Contains(t, ids(t, items), a.ID)
	require.Contains(t, ids(t, items), b.ID)

	// A metadata filter narrows the listing to exactly A and B.
	marker := identUnique("m")
	for _, x := range []account{a, b} {
		identRequireNoContent(t, admin.form(t, http.MethodPatch, identAccountPath(x.ID),
			"metadata[marker]="+marker))
	}
	r, items = admin.list(t, "/api/accounts?q[metadata][marker]="+marker)
	requirePage(t, r, 25, 2)
	require.Equal(t, []int64{a.ID, b.ID}, ids(t, items))
}

func TestAccountPermissionsCannotBeWritten(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a := newCaller(t)

	for _, body := range []string{"permissions=1", "permissions[]=super_admin"} {
		m := identCreateAccount(t, admin, body)
		require.JSONEq(t, `[]`, jsonText(t, m["permissions"]), body)
	}
	r := admin.json(t, http.MethodPost, "/api/accounts", `{"permissions":["super_admin"]}`)
	require.JSONEq(t, `[]`, jsonText(t, identRequireCreated(t, r, "accounts")["permissions"]))

	identRequireNoContent(t, admin.form(t, http.MethodPatch, identAccountPath(a.ID), "permissions=1"))
	identRequireNoContent(t, a.form(t, http.MethodPatch, "/api/account", "permissions=1"))
	identRequireNoContent(t, a.json(t, http.MethodPatch, "/api/account",
		`{"permissions":["super_admin"]}`))
	require.JSONEq(t, `[]`, jsonText(t, identFetch(t, a, "/api/account")["permissions"]))
	identRequireAdminOnly(t, a.get(t, "/api/accounts"))
}
