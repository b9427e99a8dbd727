// Package apikey is the gateway's API-key check, run inside Traefik as a local plugin.
//
// It runs in Traefik's own process (interpreted by Yaegi), so a check costs no network round
// trip and no socket. Its configuration is rendered from the key list by
// `python -m tracker_gateway.keysync` and holds only SHA-256 digests, never a key:
//
//	keyHeader: X-API-Key
//	identityHeaders: {name: X-Auth-Key-Name, scope: X-Auth-Key-Scope, projects: X-Auth-Projects}
//	keys:
//	  - {name: agent, scope: ingest, digest: <64 hex digits>, projects: [a], projectsHeader: a}
//
// The rules, for every protected request:
//   - The key comes from the key header, whatever the case of its name (an OTLP exporter sends
//     `x-api-key`: Go's HTTP server reads every header name case-insensitively); on the live feed (/webhook/ws) also from the
//     `api_key` query parameter. It is hashed and compared with every digest in constant time.
//   - Its scope must allow the method and path: `ingest` posts webhooks and OTLP exports
//     (/v1/logs, /v1/metrics, /v1/traces), `read` reads /api/
//     (but not /api/dead-letters, which holds every project's failed events) and opens the
//     live feed, `admin` may do anything.
//   - A key limited to projects may name only those in /api/projects/{project}, and must name
//     them on the live feed (?project=); elsewhere the services enforce the list they receive.
//   - A missing or unknown key is 401, a known one outside its scope or projects 403, each
//     with a JSON `detail`.
//   - Let through, the request carries the key's identity headers (whatever the client sent
//     under those names is removed first) and no longer carries the key itself.
package apikey

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

const (
	websocketPath = "/webhook/ws"
	queryKey      = "api_key"
	projectPath   = "/api/projects/"
	// adminAPIPath is read by admins only, whatever the method.
	adminAPIPath = "/api/dead-letters"
)

// otlpPaths are the OTLP/HTTP export paths, posted with the ingest scope.
var otlpPaths = map[string]bool{"/v1/logs": true, "/v1/metrics": true, "/v1/traces": true}

// scopes, in the order a refusal names them.
var scopes = []string{"ingest", "read", "admin"}

// IdentityHeaders are the names of the headers that tell the services who is calling.
type IdentityHeaders struct {
	Name     string `json:"name,omitempty"`
	Scope    string `json:"scope,omitempty"`
	Projects string `json:"projects,omitempty"`
}

// Key is one API key as configured: its digest, never the key itself.
type Key struct {
	Name   string `json:"name,omitempty"`
	Scope  string `json:"scope,omitempty"`
	Digest string `json:"digest,omitempty"`
	// Projects the key is limited to; empty for a key that sees every project.
	Projects []string `json:"projects,omitempty"`
	// ProjectsHeader is Projects as the services read them (URL-encoded, joined by '|').
	ProjectsHeader string `json:"projectsHeader,omitempty"`
}

// Config is the plugin's dynamic configuration.
type Config struct {
	KeyHeader       string          `json:"keyHeader,omitempty"`
	IdentityHeaders IdentityHeaders `json:"identityHeaders,omitempty"`
	Keys            []Key           `json:"keys,omitempty"`
}

// CreateConfig is called by Traefik for the configuration's defaults.
func CreateConfig() *Config {
	return &Config{KeyHeader: "X-API-Key"}
}

type apiKey struct {
	name     string
	scope    string
	digest   []byte
	projects map[string]bool // nil: every project
	// The identity header values, built once: every call the interpreter makes on a request
	// costs it a reflective call, so the hot path works on the header map directly.
	nameValue, scopeValue, projectsValue []string
}

// Check is the middleware. Header names are kept in canonical form, as net/http stores them.
type Check struct {
	next                                    http.Handler
	keyHeader                               string
	nameHeader, scopeHeader, projectsHeader string
	keys                                    []apiKey
}

// New builds the middleware; Traefik calls it again with the new configuration on a reload.
func New(_ context.Context, next http.Handler, config *Config, name string) (http.Handler, error) {
	identity := config.IdentityHeaders
	if config.KeyHeader == "" || identity.Name == "" || identity.Scope == "" || identity.Projects == "" {
		return nil, fmt.Errorf("%s: keyHeader and the three identityHeaders are required", name)
	}
	keys := make([]apiKey, 0, len(config.Keys))
	for position, configured := range config.Keys {
		digest, err := hex.DecodeString(configured.Digest)
		if err != nil || len(digest) != sha256.Size {
			return nil, fmt.Errorf("%s: key %d (%q) has no SHA-256 digest", name, position+1, configured.Name)
		}
		if !isScope(configured.Scope) {
			return nil, fmt.Errorf("%s: key %d (%q) has an unknown scope", name, position+1, configured.Name)
		}
		key := apiKey{
			name:          configured.Name,
			scope:         configured.Scope,
			digest:        digest,
			nameValue:     []string{configured.Name},
			scopeValue:    []string{configured.Scope},
			projectsValue: []string{configured.ProjectsHeader},
		}
		if len(configured.Projects) > 0 {
			key.projects = make(map[string]bool, len(configured.Projects))
			for _, project := range configured.Projects {
				key.projects[project] = true
			}
		}
		keys = append(keys, key)
	}
	return &Check{
		next:           next,
		keyHeader:      http.CanonicalHeaderKey(config.KeyHeader),
		nameHeader:     http.CanonicalHeaderKey(identity.Name),
		scopeHeader:    http.CanonicalHeaderKey(identity.Scope),
		projectsHeader: http.CanonicalHeaderKey(identity.Projects),
		keys:           keys,
	}, nil
}

func (c *Check) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	header := req.Header
	delete(header, c.nameHeader)
	delete(header, c.scopeHeader)
	delete(header, c.projectsHeader)
	path := req.URL.Path
	presented := ""
	if values := header[c.keyHeader]; len(values) > 0 {
		presented = values[0]
	}
	var query url.Values
	if path == websocketPath {
		query, _ = url.ParseQuery(req.URL.RawQuery)
		if presented == "" {
			presented = query.Get(queryKey)
		}
	}
	if presented == "" {
		refuse(rw, http.StatusUnauthorized, "Missing API key: send the X-API-Key header.")
		return
	}
	key := c.match(presented)
	if key == nil {
		refuse(rw, http.StatusUnauthorized, "Invalid API key.")
		return
	}
	if !allows(key.scope, req.Method, path) {
		refuse(rw, http.StatusForbidden, fmt.Sprintf(
			"The key '%s' has the '%s' scope; %s %s needs the %s scope.",
			key.name, key.scope, req.Method, path, neededScopes(req.Method, path)))
		return
	}
	if refusal := outsideProjects(key, path, query); refusal != "" {
		refuse(rw, http.StatusForbidden, refusal)
		return
	}
	delete(header, c.keyHeader)
	if query != nil && query.Has(queryKey) {
		// The key goes no further than the gateway, not even in a query string.
		query.Del(queryKey)
		req.URL.RawQuery = query.Encode()
		req.RequestURI = req.URL.RequestURI()
	}
	header[c.nameHeader] = key.nameValue
	header[c.scopeHeader] = key.scopeValue
	if key.projects != nil {
		header[c.projectsHeader] = key.projectsValue
	}
	c.next.ServeHTTP(rw, req)
}

// match returns the key presented, comparing its digest with every key's in constant time.
func (c *Check) match(presented string) *apiKey {
	digest := sha256.Sum256([]byte(presented))
	found := -1
	for i := range c.keys {
		if subtle.ConstantTimeCompare(digest[:], c.keys[i].digest) == 1 {
			found = i
		}
	}
	if found < 0 {
		return nil
	}
	return &c.keys[found]
}

func isScope(scope string) bool {
	for _, known := range scopes {
		if scope == known {
			return true
		}
	}
	return false
}

func allows(scope, method, path string) bool {
	switch scope {
	case "ingest":
		return method == http.MethodPost &&
			((strings.HasPrefix(path, "/webhook/") && path != websocketPath) || otlpPaths[path])
	case "read":
		return (method == http.MethodGet || method == http.MethodHead) &&
			((strings.HasPrefix(path, "/api/") && !isAdminAPI(path)) || path == websocketPath)
	}
	return scope == "admin"
}

func isAdminAPI(path string) bool {
	return path == adminAPIPath || strings.HasPrefix(path, adminAPIPath+"/")
}

func neededScopes(method, path string) string {
	var needed []string
	for _, scope := range scopes {
		if allows(scope, method, path) {
			needed = append(needed, scope)
		}
	}
	return strings.Join(needed, " or ")
}

// outsideProjects says why the request reaches past the key's projects; "" when it does not.
func outsideProjects(key *apiKey, path string, query url.Values) string {
	if key.projects == nil {
		return ""
	}
	var wanted []string
	if path == websocketPath {
		wanted = query["project"]
		if len(wanted) == 0 {
			return fmt.Sprintf("The key '%s' is limited to some projects: name them with ?project=.", key.name)
		}
	} else if strings.HasPrefix(path, projectPath) {
		project := strings.SplitN(path[len(projectPath):], "/", 2)[0]
		if project == "" {
			return ""
		}
		wanted = []string{project}
	} else {
		return ""
	}
	for _, project := range wanted {
		if !key.projects[project] {
			return fmt.Sprintf("The key '%s' may not access the project '%s'.", key.name, project)
		}
	}
	return ""
}

func refuse(rw http.ResponseWriter, status int, detail string) {
	body, _ := json.Marshal(map[string]string{"detail": detail})
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(status)
	_, _ = rw.Write(body)
}
