package checker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// dialer connects from the host, or from inside a container's network
// namespace when from is set; there, a host that names a container on a
// shared network resolves to that container's address, as Docker's
// embedded DNS would.
func dialer(r *run, from string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	if from == "" {
		var d net.Dialer
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if net.ParseIP(host) == nil {
			if ip, ok := containerIP(ctx, r.env.Engine, from, host); ok {
				addr = net.JoinHostPort(ip, port)
			}
		}
		return r.env.Engine.Dial(ctx, from, network, addr)
	}
}

// containerIP finds the address that name has on a network from is also
// attached to: a container of that name, or one with that alias on the
// shared network (a Compose service name), as Docker's embedded DNS
// answers.
func containerIP(ctx context.Context, e Engine, from, name string) (string, bool) {
	src, err := e.Container(ctx, from)
	if err != nil {
		return "", false
	}
	shared := func(dst *Container, alias bool) (string, bool) {
		for _, a := range src.Networks {
			for _, b := range dst.Networks {
				if a.Network == b.Network && b.IP != "" && (!alias || slices.Contains(b.Aliases, name)) {
					return b.IP, true
				}
			}
		}
		return "", false
	}
	if dst, ok := namedHost(ctx, e, name); ok {
		return shared(dst, false)
	}
	all, err := e.Containers(ctx)
	if err != nil {
		return "", false
	}
	// A listing may leave aliases out (podman's does): inspect the running
	// containers that share a network with from.
	for _, c := range all {
		if !c.Running() || !slices.ContainsFunc(c.Networks, func(b Endpoint) bool {
			return slices.ContainsFunc(src.Networks, func(a Endpoint) bool { return a.Network == b.Network })
		}) {
			continue
		}
		if dst, err := e.Container(ctx, c.ID); err == nil {
			if ip, ok := shared(dst, true); ok {
				return ip, true
			}
		}
	}
	return "", false
}

type httpSpec struct {
	Status       *int     `yaml:"status"`
	BodyContains *string  `yaml:"body_contains"`
	BodyMatches  *pattern `yaml:"body_matches"`
	From         string   `yaml:"from"`
}

func (s *httpSpec) validate(d *decoder, c *Check) {
	u, err := url.Parse(c.Subject)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		d.invalid(c, "http", "%q is not an http:// or https:// URL, e.g. http://127.0.0.1:8080/", c.Subject)
	}
}

func (s *httpSpec) evaluate(ctx context.Context, r *run) {
	if s.From != "" && needRunning(ctx, r, s.From, "from") == nil {
		return
	}
	client := &http.Client{
		// Never a proxy: the checker only talks to the machine it runs on.
		Transport: &http.Transport{Proxy: nil, DialContext: dialer(r, s.From), DisableKeepAlives: true},
		Timeout:   minAttempt,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.check.Subject, nil)
	if err != nil {
		r.errorf("check.invalid", map[string]any{"error": err.Error()})
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		unreachable(ctx, r, s.From, hostPort(req.URL), "http.unreachable", map[string]any{"from": s.From, "error": r.netError(err)})
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	r.output = string(body)
	want := 200
	if s.Status != nil {
		want = *s.Status
	}
	if resp.StatusCode != want {
		// The body of a wrong answer (a 404's error page) is not the page
		// the check reads: one finding says what went wrong.
		r.fail("http.status", map[string]any{"want": want, "found": resp.StatusCode})
		return
	}
	if s.BodyContains != nil && !strings.Contains(string(body), *s.BodyContains) {
		r.fail("http.body_contains", map[string]any{"want": *s.BodyContains, "found": firstLine(string(body))})
	}
	if s.BodyMatches != nil && !s.BodyMatches.re.Match(body) {
		r.fail("http.body_matches", map[string]any{"want": s.BodyMatches.src, "found": firstLine(string(body))})
	}
}

// hostPort is u's host and port, the scheme's port when u names none.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// cannotConnectNow is PostgreSQL's SQLSTATE for "the database system is
// starting up" (and shutting down).
const cannotConnectNow = "57P03"

// shortNetError drops Go's "Get \"url\": dial tcp ...:" prefixes, keeping the cause.
func shortNetError(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return msg
}

type tcpSpec struct {
	Open *bool  `yaml:"open"`
	From string `yaml:"from"`
}

func (s *tcpSpec) validate(d *decoder, c *Check) {
	if _, port, err := net.SplitHostPort(c.Subject); err != nil || port == "" {
		d.invalid(c, "tcp", "%q is not host:port, e.g. 127.0.0.1:5433", c.Subject)
	}
}

func (s *tcpSpec) evaluate(ctx context.Context, r *run) {
	if s.From != "" && needRunning(ctx, r, s.From, "from") == nil {
		return
	}
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := dialer(r, s.From)(dctx, "tcp", r.check.Subject)
	open := s.Open == nil || *s.Open
	if err == nil {
		conn.Close()
	}
	switch {
	case open && err != nil:
		unreachable(ctx, r, s.From, r.check.Subject, "tcp.closed", map[string]any{"from": s.From, "error": r.netError(err)})
	case !open && err == nil:
		r.fail("tcp.open", map[string]any{"from": s.From})
	}
}

type postgresSpec struct {
	User        string  `yaml:"user"`
	Password    string  `yaml:"password"`
	Database    string  `yaml:"database"`
	Query       string  `yaml:"query"`
	Rows        *rows   `yaml:"rows"`
	RowsContain *rowSet `yaml:"rows_contain"`
	From        string  `yaml:"from"`
}

func (s *postgresSpec) validate(d *decoder, c *Check) {
	if _, port, err := net.SplitHostPort(c.Subject); err != nil || port == "" {
		d.invalid(c, "postgres", "%q is not host:port, e.g. 127.0.0.1:5433", c.Subject)
	}
}

func (s *postgresSpec) evaluate(ctx context.Context, r *run) {
	if s.From != "" && needRunning(ctx, r, s.From, "from") == nil {
		return
	}
	user := s.User
	if user == "" {
		user = "postgres"
	}
	db := s.Database
	if db == "" {
		db = user
	}
	query := s.Query
	if query == "" {
		query = "select 1"
	}
	host, port, _ := net.SplitHostPort(r.check.Subject)
	cfg, err := pgconn.ParseConfig(fmt.Sprintf("host=%s port=%s sslmode=disable connect_timeout=3", host, port))
	if err != nil {
		r.errorf("check.invalid", map[string]any{"error": err.Error()})
		return
	}
	cfg.User, cfg.Password, cfg.Database = user, s.Password, db
	cfg.DialFunc = dialer(r, s.From)
	cfg.LookupFunc = func(_ context.Context, host string) ([]string, error) { return []string{host}, nil }
	cfg.Fallbacks = nil
	data := map[string]any{"user": user, "database": db, "query": query, "host": host, "port": port, "from": s.From}
	r.values = data
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == cannotConnectNow:
		// "the database system is starting up": in motion.
		data["error"] = r.pgError(err)
		host, port, _ := net.SplitHostPort(r.check.Subject)
		name := host
		if c := target(ctx, r, s.From, host, port); c != nil {
			name = c.Name
		}
		r.waitFor("wait.database", map[string]any{"container": name})
		r.fail("postgres.connect", data)
		return
	case errors.As(err, &pgErr):
		data["error"] = r.pgError(err)
		r.fail("postgres.connect", data)
		return
	case err != nil:
		data["error"] = r.pgError(err)
		unreachable(ctx, r, s.From, r.check.Subject, "postgres.connect", data)
		return
	}
	defer conn.Close(context.WithoutCancel(ctx))
	got, err := textRows(ctx, conn, query)
	if err != nil {
		data["error"] = r.pgError(err)
		r.fail("postgres.query", data)
		return
	}
	r.output = showRows(got)
	if s.Rows != nil && showRows(*s.Rows) != showRows(got) {
		data["want"], data["found"] = showRows(*s.Rows), showRows(got)
		r.fail("postgres.rows", data)
	}
	if s.RowsContain != nil {
		for _, it := range *s.RowsContain {
			if !it.in(got) {
				d := map[string]any{"query": query, "want": it.String(), "found": showRows(got), "host": host, "port": port, "from": s.From, "user": user, "database": db}
				r.fail("postgres.rows_contain", d)
			}
		}
	}
}

// pgMessages name the PostgreSQL errors a student meets, by SQLSTATE, so
// they read in the student's language (the server's own words go to
// --debug).
var pgMessages = map[string]string{
	"28P01": "pgerr.password",
	"28000": "pgerr.password",
	"3D000": "pgerr.no_database",
	"42P01": "pgerr.no_table",
	"42703": "pgerr.no_column",
	"42601": "pgerr.syntax",
	"57P03": "pgerr.starting",
}

// quoted finds the name PostgreSQL quotes in a message: relation "ships".
var quoted = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"]+)"`) })

// pgError says what went wrong with a connection or query to PostgreSQL.
func (r *run) pgError(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return r.netError(err)
	}
	r.debug = err.Error()
	key, ok := pgMessages[pe.Code]
	if !ok {
		return r.cat.render("pgerr.other", map[string]any{"code": pe.Code, "message": pe.Message})
	}
	name := ""
	if m := quoted().FindStringSubmatch(pe.Message); m != nil {
		name = m[1]
	}
	return r.cat.render(key, map[string]any{"code": pe.Code, "name": name, "user": r.data("user"), "database": r.data("database")})
}

// netError says why a connection failed, in the student's language: the
// causes a lesson meets have a message each; anything else shows the end
// of Go's error.
func (r *run) netError(err error) string {
	r.debug = err.Error()
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return r.cat.render("neterr.refused", nil)
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return r.cat.render("neterr.reset", nil)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return r.cat.render("neterr.unreachable", nil)
	case errors.As(err, &dns):
		return r.cat.render("neterr.no_host", map[string]any{"host": dns.Name})
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return r.cat.render("neterr.timeout", nil)
	}
	return shortNetError(err)
}

// textRows runs query with the simple protocol, so every value arrives as
// the text psql would print (NULL as an empty string). The rows are the
// first statement's; an error in any statement is returned.
func textRows(ctx context.Context, conn *pgconn.PgConn, query string) ([][]string, error) {
	mrr := conn.Exec(ctx, query)
	var out [][]string
	if mrr.NextResult() {
		rr := mrr.ResultReader()
		for rr.NextRow() {
			raw := rr.Values()
			row := make([]string, len(raw))
			for i, v := range raw {
				row[i] = string(v)
			}
			out = append(out, row)
		}
		if _, err := rr.Close(); err != nil {
			mrr.Close() // reads the rest of the statements' replies
			return nil, err
		}
	}
	return out, mrr.Close()
}

// namedHost finds the container a host name names as Docker's embedded DNS
// does: its name or its 12-digit short id, never any other id prefix (a
// service called db is not the container whose id starts with db).
func namedHost(ctx context.Context, e Engine, name string) (*Container, bool) {
	c, err := e.Container(ctx, name)
	if err != nil {
		return nil, false
	}
	if strings.TrimPrefix(c.Name, "/") == name || len(name) == 12 && strings.HasPrefix(c.ID, name) {
		return c, true
	}
	return nil, false
}
