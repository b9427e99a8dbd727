package apikey

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func digest(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func testConfig() *Config {
	config := CreateConfig()
	config.IdentityHeaders = IdentityHeaders{Name: "X-Auth-Key-Name", Scope: "X-Auth-Key-Scope", Projects: "X-Auth-Projects"}
	config.Keys = []Key{
		{Name: "agent", Scope: "ingest", Digest: digest("agent-key")},
		{Name: "dash", Scope: "read", Digest: digest("dash-key"), Projects: []string{"a", "b|c"}, ProjectsHeader: "a|b%7Cc"},
		{Name: "ops", Scope: "admin", Digest: digest("ops-key")},
	}
	return config
}

// forwarded is what the next handler saw of the last request let through.
type forwarded struct {
	request *http.Request
}

func (f *forwarded) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	f.request = req
	rw.WriteHeader(http.StatusAccepted)
}

func serve(t *testing.T, method, target string, headers map[string]string) (*httptest.ResponseRecorder, *http.Request) {
	t.Helper()
	next := &forwarded{}
	check, err := New(context.Background(), next, testConfig(), "api-key")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(method, target, nil)
	for name, value := range headers {
		req.Header.Set(name, value)
	}
	recorder := httptest.NewRecorder()
	check.ServeHTTP(recorder, req)
	return recorder, next.request
}

func detail(t *testing.T, recorder *httptest.ResponseRecorder) string {
	t.Helper()
	var body map[string]string
	if err := json.Unmarshal(recorder.Body.Bytes(), &body); err != nil {
		t.Fatalf("not JSON: %q", recorder.Body.String())
	}
	return body["detail"]
}

func TestMissingAndUnknownKeysAre401(t *testing.T) {
	recorder, next := serve(t, "POST", "/webhook/start", nil)
	if recorder.Code != 401 || next != nil || !strings.Contains(detail(t, recorder), "Missing API key") {
		t.Fatalf("missing key: %d %q", recorder.Code, recorder.Body.String())
	}
	recorder, next = serve(t, "POST", "/webhook/start", map[string]string{"X-API-Key": "agent-key-"})
	if recorder.Code != 401 || next != nil || detail(t, recorder) != "Invalid API key." {
		t.Fatalf("unknown key: %d %q", recorder.Code, recorder.Body.String())
	}
	// The digest is compared, never the text: a configured digest is not itself a key.
	recorder, _ = serve(t, "POST", "/webhook/start", map[string]string{"X-API-Key": digest("agent-key")})
	if recorder.Code != 401 {
		t.Fatalf("a digest was taken as a key: %d", recorder.Code)
	}
}

func TestScopesAre403WithTheScopeNeeded(t *testing.T) {
	cases := []struct {
		method, path, key string
		status            int
		needs             string
	}{
		{"POST", "/webhook/start", "agent-key", 202, ""},
		{"POST", "/webhook/batch", "agent-key", 202, ""},
		{"GET", "/api/projects", "agent-key", 403, "needs the read or admin scope"},
		{"GET", "/webhook/ws", "agent-key", 403, "needs the read or admin scope"},
		{"GET", "/api/stats", "dash-key", 202, ""},
		{"POST", "/webhook/start", "dash-key", 403, "needs the ingest or admin scope"},
		{"DELETE", "/api/projects/a", "dash-key", 403, "needs the admin scope"},
		{"DELETE", "/api/projects/z", "ops-key", 202, ""},
		{"GET", "/api/dead-letters", "dash-key", 403, "needs the admin scope"},
		{"GET", "/api/dead-letters/1-0", "dash-key", 403, "needs the admin scope"},
		{"GET", "/api/dead-lettersx", "dash-key", 202, ""},
		{"GET", "/api/dead-letters/summary", "ops-key", 202, ""},
		{"POST", "/api/dead-letters/1-0/redrive", "ops-key", 202, ""},
	}
	for _, c := range cases {
		recorder, _ := serve(t, c.method, c.path, map[string]string{"X-API-Key": c.key})
		if recorder.Code != c.status || (c.needs != "" && !strings.Contains(detail(t, recorder), c.needs)) {
			t.Errorf("%s %s with %s: %d %q", c.method, c.path, c.key, recorder.Code, recorder.Body.String())
		}
	}
}

func TestIdentityReplacesWhatTheClientSentAndTheKeyGoesNoFurther(t *testing.T) {
	recorder, next := serve(t, "GET", "/api/projects/a/tasks", map[string]string{
		"X-API-Key":        "dash-key",
		"X-Auth-Key-Name":  "ops",
		"X-Auth-Key-Scope": "admin",
	})
	if recorder.Code != 202 {
		t.Fatalf("refused: %d %q", recorder.Code, recorder.Body.String())
	}
	got := []string{next.Header.Get("X-Auth-Key-Name"), next.Header.Get("X-Auth-Key-Scope"), next.Header.Get("X-Auth-Projects")}
	if strings.Join(got, " ") != "dash read a|b%7Cc" || next.Header.Get("X-API-Key") != "" {
		t.Fatalf("forwarded %v, key %q", got, next.Header.Get("X-API-Key"))
	}
	// A key for every project sends no projects header, whatever the client put there.
	_, next = serve(t, "POST", "/webhook/start", map[string]string{"X-API-Key": "agent-key", "X-Auth-Projects": "a"})
	if values, present := next.Header["X-Auth-Projects"]; present {
		t.Fatalf("spoofed projects header kept: %v", values)
	}
}

func TestProjectLimitsOnPathsAndTheLiveFeed(t *testing.T) {
	cases := []struct {
		target string
		status int
	}{
		{"/api/projects/a/tasks", 202},
		{"/api/projects/b%7Cc", 202},
		{"/api/projects/z/tasks", 403},
		{"/api/stats", 202}, // the services enforce the projects header there
		{"/webhook/ws?project=a&project=b%7Cc", 202},
		{"/webhook/ws?project=a&project=z", 403},
		{"/webhook/ws", 403},
	}
	for _, c := range cases {
		recorder, _ := serve(t, "GET", c.target, map[string]string{"X-API-Key": "dash-key"})
		if recorder.Code != c.status {
			t.Errorf("%s: %d %q", c.target, recorder.Code, recorder.Body.String())
		}
	}
}

func TestTheLiveFeedTakesTheKeyFromTheQueryAndStripsIt(t *testing.T) {
	recorder, next := serve(t, "GET", "/webhook/ws?api_key=dash-key&project=a&since=5", nil)
	if recorder.Code != 202 {
		t.Fatalf("refused: %d %q", recorder.Code, recorder.Body.String())
	}
	if query := next.URL.Query(); query.Has("api_key") || query.Get("project") != "a" || query.Get("since") != "5" {
		t.Fatalf("forwarded query %q", next.URL.RawQuery)
	}
	if strings.Contains(next.RequestURI, "dash-key") {
		t.Fatalf("the key is still in the request URI %q", next.RequestURI)
	}
	recorder, _ = serve(t, "GET", "/api/projects?api_key=dash-key", nil)
	if recorder.Code != 401 {
		t.Fatalf("a query key off the live feed was accepted: %d", recorder.Code)
	}
}

func TestAConfigurationWithoutDigestsOrScopesIsRefused(t *testing.T) {
	for _, key := range []Key{
		{Name: "plain", Scope: "read", Digest: "my-secret-key"},
		{Name: "short", Scope: "read", Digest: "abcd"},
		{Name: "scope", Scope: "reader", Digest: digest("k")},
	} {
		config := testConfig()
		config.Keys = []Key{key}
		if _, err := New(context.Background(), &forwarded{}, config, "api-key"); err == nil {
			t.Errorf("%s: accepted", key.Name)
		}
	}
}

// An OTLP exporter sends OTEL_EXPORTER_OTLP_HEADERS as written: `x-api-key=...` arrives as the
// header line `x-api-key: ...`. Read as Traefik's server reads it, it is the key header.
func TestOTLPExportsTakeTheKeyInAnyCaseWithTheIngestScope(t *testing.T) {
	for _, path := range []string{"/v1/logs", "/v1/metrics", "/v1/traces"} {
		raw := "POST " + path + " HTTP/1.1\r\nHost: tracker\r\nx-api-key: agent-key\r\nContent-Length: 0\r\n\r\n"
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		next := &forwarded{}
		check, err := New(context.Background(), next, testConfig(), "api-key")
		if err != nil {
			t.Fatal(err)
		}
		recorder := httptest.NewRecorder()
		check.ServeHTTP(recorder, req)
		if recorder.Code != http.StatusAccepted || next.request.Header.Get("X-Auth-Key-Name") != "agent" {
			t.Fatalf("%s: %d %q", path, recorder.Code, recorder.Body.String())
		}
		if next.request.Header.Get("X-API-Key") != "" {
			t.Fatalf("%s: the key went on to the service", path)
		}
	}
	recorder, _ := serve(t, "POST", "/v1/logs", map[string]string{"X-API-Key": "dash-key"})
	if recorder.Code != 403 || !strings.Contains(detail(t, recorder), "needs the ingest or admin scope") {
		t.Fatalf("read key on OTLP: %d %q", recorder.Code, recorder.Body.String())
	}
	recorder, _ = serve(t, "POST", "/v1/other", map[string]string{"X-API-Key": "agent-key"})
	if recorder.Code != 403 {
		t.Fatalf("ingest key beyond the OTLP paths: %d", recorder.Code)
	}
}
