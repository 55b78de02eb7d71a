package checker_test

import (
	"net"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// pgServer speaks PostgreSQL's wire protocol on loopback with canned
// answers, so postgres checks run against a real pgconn connection without a
// database server.
type pgServer struct {
	addr     string
	password string
	tables   map[string][][]string // query -> rows of text
}

func startPGServer(t *testing.T, password string, tables map[string][][]string) *pgServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &pgServer{addr: l.Addr().String(), password: password, tables: tables}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(conn)
		}
	}()
	return s
}

func (s *pgServer) serve(conn net.Conn) {
	defer conn.Close()
	be := pgproto3.NewBackend(conn, conn)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return
		}
		if _, ok := msg.(*pgproto3.SSLRequest); ok {
			conn.Write([]byte("N"))
			continue
		}
		startup, ok := msg.(*pgproto3.StartupMessage)
		if !ok {
			return
		}
		user := startup.Parameters["user"]
		if user == "starting" {
			be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "57P03", Message: "the database system is starting up"})
			be.Flush()
			return
		}
		be.Send(&pgproto3.AuthenticationCleartextPassword{})
		if err := be.Flush(); err != nil {
			return
		}
		if err := be.SetAuthType(pgproto3.AuthTypeCleartextPassword); err != nil {
			return
		}
		pm, err := be.Receive()
		if err != nil {
			return
		}
		if p, ok := pm.(*pgproto3.PasswordMessage); !ok || p.Password != s.password {
			be.Send(&pgproto3.ErrorResponse{Severity: "FATAL", Code: "28P01",
				Message: `password authentication failed for user "` + user + `"`})
			be.Flush()
			return
		}
		be.Send(&pgproto3.AuthenticationOk{})
		be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: "15.0"})
		be.Send(&pgproto3.ParameterStatus{Name: "standard_conforming_strings", Value: "on"})
		be.Send(&pgproto3.ParameterStatus{Name: "client_encoding", Value: "UTF8"})
		be.Send(&pgproto3.BackendKeyData{ProcessID: 1, SecretKey: []byte{0, 0, 0, 1}})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		if err := be.Flush(); err != nil {
			return
		}
		break
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			s.answer(be, strings.TrimSpace(m.String))
		case *pgproto3.Terminate:
			return
		default:
			be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "0A000", Message: "only simple queries here"})
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		}
		if err := be.Flush(); err != nil {
			return
		}
	}
}

func (s *pgServer) answer(be *pgproto3.Backend, q string) {
	rows, ok := s.tables[q]
	if !ok {
		be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "42P01", Message: `relation "missing" does not exist`})
		be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		return
	}
	width := 1
	if len(rows) > 0 {
		width = len(rows[0])
	}
	fields := make([]pgproto3.FieldDescription, width)
	for i := range fields {
		fields[i] = pgproto3.FieldDescription{Name: []byte("c"), DataTypeOID: 25, DataTypeSize: -1, TypeModifier: -1}
	}
	be.Send(&pgproto3.RowDescription{Fields: fields})
	for _, r := range rows {
		vals := make([][]byte, len(r))
		for i, v := range r {
			vals[i] = []byte(v)
		}
		be.Send(&pgproto3.DataRow{Values: vals})
	}
	be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT")})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
}
