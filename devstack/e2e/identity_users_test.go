package e2e_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	email := identEmail("user1")

	r := a.form(t, http.MethodPost, "/api/users", "email="+email+"&password=secret123")
	u := identRequireCreated(t, r, "users")
	identRequireUser(t, u, a.ID, email, `{}`)
	for k := range u {
		require.NotContains(t, k, "password", "the user shows %s", k)
		require.NotContains(t, k, "encrypted", "the user shows %s", k)
	}
	require.NotContains(t, string(r.Body), "secret123")

	got := identFetch(t, a, identUserPath(idOf(t, u)))
	require.Equal(t, u, got)
}

func TestCreateUserNormalisesEmail(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	email := identEmail("mixed")

	u := identCreateUser(t, a, "email=+"+strings.ToUpper(email)+"+&password=secret123&metadata[a]=b")
	identRequireUser(t, u, a.ID, email, `{"a":"b"}`)
}

func TestCreateUserValidates(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	taken := identEmail("taken")
	identCreateUser(t, a, "email="+taken+"&password=secret123")
	elsewhere := identEmail("elsewhere")
	identCreateUser(t, newCaller(t), "email="+elsewhere+"&password=secret123")

	tests := []struct {
		name string
		body string
		want string
	}{
		{
			name: "nothing",
			body: "",
			want: `{"email":["can't be blank"],"password":["can't be blank"]}`,
		},
		{
			name: "email not an address",
			body: "email=nobody&password=secret123",
			want: `{"email":["is invalid"]}`,
		},
		{
			name: "email taken",
			body: "email=" + taken + "&password=secret123",
			want: `{"email":["has already been taken"]}`,
		},
		{
			name: "email taken in other letters",
			body: "email=" + strings.ToUpper(taken) + "&password=secret123",
			want: `{"email":["has already been taken"]}`,
		},
		{
			name: "email taken in another account",
			body: "email=" + elsewhere + "&password=secret123",
			want: `{"email":["has already been taken"]}`,
		},
		{
			name: "password too long",
			body: "email=" + identEmail("long") + "&password=" + strings.Repeat("p", 129),
			want: `{"password":["is too long (maximum is 128 characters)"]}`,
		},
		{
			name: "password too short",
			body: "email=" + identEmail("short") + "&password=12345",
			want: `{"password":["is too short (minimum is 6 characters)"]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			requireErrors(t, a.form(t, http.MethodPost, "/api/users", tt.body), tt.want)
		})
	}
}

func TestAdminCreatesUserForAnotherAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a, b := newCaller(t), newCaller(t)
	bid := strconv.FormatInt(b.ID, 10)

	email := identEmail("admin-made")
	r := admin.form(t, http.MethodPost, "/api/users", "email="+email+"&password=secret123&account_id="+bid)
	u := identRequireCreated(t, r, "users")
	identRequireUser(t, u, b.ID, email, `{}`)
	require.Equal(t, u, identFetch(t, b, identUserPath(idOf(t, u))))

	// An ordinary account naming another account creates a user of its own.
	email = identEmail("self-made")
	mine := identCreateUser(t, a, "email="+email+"&password=secret123&account_id="+bid)
	identRequireUser(t, mine, a.ID, email, `{}`)
	requireNotFound(t, b.get(t, identUserPath(idOf(t, mine))))

	// Naming an account that does not exist is not found.
	requireNotFound(t, admin.form(t, http.MethodPost, "/api/users",
		"email="+identEmail("nobody")+"&password=secret123&account_id=999999999"))
}

func TestUpdateUserMetadataEmailAndPassword(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	u := identNewUser(t, a, "metadata[bar]=baz")
	path := identUserPath(idOf(t, u))

	identRequireNoContent(t, a.form(t, http.MethodPatch, path,
		"metadata[foo]=bar&metadata_merge_mode=replace"))
	got := identFetch(t, a, path)
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))
	require.Equal(t, u["email"], got["email"])
	require.Equal(t, u["created_at"], got["created_at"])

	email := identEmail("changed")
	identRequireNoContent(t, a.form(t, http.MethodPut, path, "email="+email+"&password=newsecret"))
	got = identFetch(t, a, path)
	require.Equal(t, email, got["email"])
	require.JSONEq(t, `{"foo":"bar"}`, jsonText(t, got["metadata"]))

	requireErrors(t, a.form(t, http.MethodPatch, path, "password=123"),
		`{"password":["is too short (minimum is 6 characters)"]}`)
	requireErrors(t, a.form(t, http.MethodPatch, path, "email=nobody"), `{"email":["is invalid"]}`)
	require.Equal(t, got, identFetch(t, a, path))
}

func TestDeleteUser(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	u := identNewUser(t, a, "")
	path := identUserPath(idOf(t, u))

	identRequireNoContent(t, a.do(t, http.MethodDelete, path, "", ""))
	requireNotFound(t, a.get(t, path))
	requireNotFound(t, a.do(t, http.MethodDelete, path, "", ""))
	r, _ := a.list(t, "/api/users")
	requirePage(t, r, 25, 0)
}

func TestListUsersShowsOnlyTargetAccount(t *testing.T) {
	t.Parallel()

	admin := identAdmin(t)
	a, b := newCaller(t), newCaller(t)
	ua := identNewUser(t, a, "")
	ub := identNewUser(t, b, "")
	bid := strconv.FormatInt(b.ID, 10)

	r, items := a.list(t, "/api/users")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{ua}, items)

	r, items = admin.list(t, "/api/accounts/"+bid+"/users")
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{ub}, items)

	r, items = admin.list(t, "/api/users?account_id="+bid)
	requirePage(t, r, 25, 1)
	require.Equal(t, []map[string]any{ub}, items)

	// The super admin reads another account's user only by naming it.
	requireNotFound(t, admin.get(t, identUserPath(idOf(t, ub))))
	require.Equal(t, ub, identFetch(t, admin, identUserPath(idOf(t, ub))+"?account_id="+bid))

	requireNotFound(t, admin.get(t, "/api/accounts/999999999/users"))
}

func TestInviteUser(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	u := identNewUser(t, a, "")
	path := identUserPath(idOf(t, u))

	r := a.form(t, http.MethodPost, path+"/user_events", "event=invite")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
	require.Equal(t, path, r.Header.Get("Location"))
	got := object(t, r)
	requireKeys(t, got, identUserKeys...)
	require.Equal(t, idOf(t, u), idOf(t, got))
	require.Equal(t, u["email"], got["email"])
	requireTimestamp(t, got["invitation_created_at"])
	requireTimestamp(t, got["invitation_sent_at"])
	require.Nil(t, got["invitation_accepted_at"])
	require.Equal(t, got, identFetch(t, a, path))

	// An invitation may be sent again at any time.
	r = a.form(t, http.MethodPost, path+"/user_events", "event=invite")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r)
}

func TestUserEventMustBeInvite(t *testing.T) {
	t.Parallel()

	a := newCaller(t)
	u := identNewUser(t, a, "")
	path := identUserPath(idOf(t, u))

	for _, body := range []string{"", "event=foo", "event="} {
		r := a.form(t, http.MethodPost, path+"/user_events", body)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "body %q: %s", body, r)
		errs, ok := object(t, r)["errors"].(map[string]any)
		require.True(t, ok, "%s", r)
		require.Contains(t, errs, "event", "%s", r)
		require.Empty(t, r.Header.Get("Location"))
	}

	require.Equal(t, u, identFetch(t, a, path))
	requireNotFound(t, a.form(t, http.MethodPost, "/api/users/999999999/user_events", "event=invite"))
}
