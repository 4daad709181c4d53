package main

// The client commands of chapar: a thin shell over package client.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/chapar/chapar/client"
	"golang.org/x/term"
)

// Seams for tests: where input comes from, whether it is a terminal, and
// what stops a command (Ctrl-C).
var (
	cliStdin      io.Reader = os.Stdin
	cliIsTerminal           = func() bool { return term.IsTerminal(int(os.Stdin.Fd())) }
	cliContext              = func() (context.Context, context.CancelFunc) {
		return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	}
)

// defaultServer is the server when neither a flag, the profile nor
// CHAPAR_SERVER names one.
const defaultServer = "http://localhost:8080"

// requestTimeout bounds each command but tail.
const requestTimeout = 30 * time.Second

type cliCommand struct {
	name  string
	args  string // the synopsis after the name
	brief string
	run   func(e *cliEnv, args []string) error
}

func (c cliCommand) synopsis() string { return strings.TrimSpace("chapar " + c.name + " " + c.args) }

var clientCommands []cliCommand

func init() {
	// Set here rather than in the declaration: the run functions refer to
	// clientCommands (through usage), which would be an initialization
	// cycle.
	clientCommands = []cliCommand{
		{"register", "-username U [-password P] [-name NAME]", "create an account and sign in", cmdRegister},
		{"login", "-username U [-password P]", "sign in", cmdLogin},
		{"phone", "-phone +98… [-code CODE] [-name NAME]", "sign in by phone: send a code, then verify it", cmdPhone},
		{"whoami", "", "show the signed-in account", cmdWhoami},
		{"logout", "", "sign out and forget the token", cmdLogout},
		{"sessions", "[-revoke ID]", "list (or sign out) your devices", cmdSessions},
		{"chats", "", "list your chats", cmdChats},
		{"dm", "@username", "open the direct chat with a user; prints its id", cmdDM},
		{"group", "-title T [@user …]", "create a group; prints its id", cmdGroup},
		{"send", "-chat ID [-reply SEQ] [text …]", "send a message (the text from stdin if none is given)", cmdSend},
		{"history", "-chat ID [-limit N] [-before SEQ]", "show a chat's messages", cmdHistory},
		{"tail", "[-chat ID] [-pos P]", "follow live events until Ctrl-C", cmdTail},
		{"block", "@username", "block a user", cmdBlock},
		{"unblock", "@username", "unblock a user", cmdUnblock},
		{"bot", "create -username NAME_bot [-name N] | list | token -id ID", "make and manage your bots (docs/BOTS.md)", cmdBot},
	}
}

// clientUsage lists the client commands.
func clientUsage(w io.Writer) {
	fmt.Fprintln(w, "\nclient commands (each takes -server URL, -profile PATH; read commands -json):")
	for _, c := range clientCommands {
		fmt.Fprintf(w, "  %s\n      %s\n", c.synopsis(), c.brief)
	}
	fmt.Fprintf(w, `
The server is -server, else the one signed in to, else $CHAPAR_SERVER, else %s.
register, login and phone save the token in $CHAPAR_PROFILE, or
$XDG_CONFIG_HOME/chapar/cli.json (~/.config/chapar/cli.json); later commands use it.
A password comes from -password, $CHAPAR_PASSWORD, or is asked for.
`, defaultServer)
}

// runClientCommand runs a client command; ok is false if name is none.
func runClientCommand(name string, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	for _, c := range clientCommands {
		if c.name != name {
			continue
		}
		e := &cliEnv{cmd: c, stdout: stdout, stderr: stderr}
		err := c.run(e, args)
		var ue usageError
		switch {
		case err == nil:
			return 0, true
		case errors.Is(err, flag.ErrHelp):
			return 0, true
		case errors.As(err, &ue):
			if ue.msg != "" {
				fmt.Fprintf(stderr, "chapar %s: %s\n", name, ue.msg)
			}
			fmt.Fprintf(stderr, "usage: %s\n", c.synopsis())
			return 2, true
		}
		fmt.Fprintf(stderr, "chapar: %s\n", errorText(err))
		return 1, true
	}
	return 0, false
}

// errorText is an error as the user reads it. API errors already read
// "<message> (<code>)".
func errorText(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "the server did not answer in time"
	}
	return strings.TrimPrefix(err.Error(), "chapar: ")
}

// usageError is a mistake in the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// cliEnv is one command's run: its flags, output and connection.
type cliEnv struct {
	cmd            cliCommand
	stdout, stderr io.Writer
	server         string // the -server flag
	profilePath    string // the -profile flag
	json           bool   // the -json flag
	stdin          *bufio.Reader

	profile *cliProfile
	path    string // where the profile lives
	c       *client.Client
	names   map[int64]string // user id → how to show them
}

// flags makes the command's flag set with the flags every command takes.
func (e *cliEnv) flags(withJSON bool) *flag.FlagSet {
	fs := flag.NewFlagSet("chapar "+e.cmd.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.StringVar(&e.server, "server", "", "the server's URL (default: the one signed in to, $CHAPAR_SERVER, "+defaultServer+")")
	fs.StringVar(&e.profilePath, "profile", "", "the credentials file (default: $CHAPAR_PROFILE or ~/.config/chapar/cli.json)")
	if withJSON {
		fs.BoolVar(&e.json, "json", false, "print JSON")
	}
	// The flag package calls Usage on -h and on every mistake; parse
	// prints the full help for -h only, and a one-line usage otherwise.
	fs.Usage = func() {}
	return fs
}

// help prints a command's full help, for -h.
func (e *cliEnv) help(fs *flag.FlagSet) {
	fmt.Fprintf(e.stderr, "usage: %s\n  %s\n\nflags:\n", e.cmd.synopsis(), e.cmd.brief)
	fs.PrintDefaults()
}

// parse parses args. With interleaved, flags may also follow positional
// arguments ("dm @sara -json"); "--" ends the flags.
func (e *cliEnv) parse(fs *flag.FlagSet, args []string, interleaved bool) ([]string, error) {
	if err := e.parseFlags(fs, args); err != nil {
		return nil, err
	}
	if !interleaved {
		return fs.Args(), nil
	}
	var pos []string
	for {
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
		if err := e.parseFlags(fs, args); err != nil {
			return nil, err
		}
	}
}

func (e *cliEnv) parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		e.help(fs)
		return err
	}
	return usageError{} // the flag package has said what is wrong
}

// The profile: where the CLI keeps its credentials.

type cliProfile struct {
	Server   string `json:"server"`
	Token    string `json:"token,omitempty"`
	UserID   int64  `json:"user_id,omitempty"`
	Username string `json:"username,omitempty"`
}

func profilePath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := os.Getenv("CHAPAR_PROFILE"); p != "" {
		return p, nil
	}
	if d := os.Getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "chapar", "cli.json"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cannot find the profile: %w (use -profile or $CHAPAR_PROFILE)", err)
	}
	return filepath.Join(home, ".config", "chapar", "cli.json"), nil
}

// loadProfile reads the profile; a missing one is empty.
func (e *cliEnv) loadProfile() error {
	if e.profile != nil {
		return nil
	}
	p, err := profilePath(e.profilePath)
	if err != nil {
		return err
	}
	e.path, e.profile = p, &cliProfile{}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, e.profile); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// saveProfile writes the profile readable by its owner only. It writes a
// temporary file and renames it, so a crash never leaves half a file.
func (e *cliEnv) saveProfile() error {
	b, err := json.MarshalIndent(e.profile, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(e.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".cli-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // after a successful rename: nothing to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), e.path)
}

// sameServer compares server URLs as the client uses them.
func sameServer(a, b string) bool {
	return a != "" && b != "" && client.New(a).BaseURL() == client.New(b).BaseURL()
}

// connect makes the client: for the -server flag, else the profile's
// server, else $CHAPAR_SERVER, else the default. The saved token goes only
// to the server it came from.
func (e *cliEnv) connect() error {
	if err := e.loadProfile(); err != nil {
		return err
	}
	server := e.server
	if server == "" {
		server = e.profile.Server
	}
	if server == "" {
		server = os.Getenv("CHAPAR_SERVER")
	}
	if server == "" {
		server = defaultServer
	}
	e.c = client.New(server, client.WithUserAgent("chapar-cli"))
	if sameServer(server, e.profile.Server) {
		e.c.SetToken(e.profile.Token)
	}
	e.names = map[int64]string{}
	return nil
}

// signedIn connects and insists on a token.
func (e *cliEnv) signedIn() error {
	if err := e.connect(); err != nil {
		return err
	}
	if e.c.Token() == "" {
		return fmt.Errorf("not signed in to %s: run chapar login (or register) first", e.c.BaseURL())
	}
	return nil
}

// remember saves a sign-in.
func (e *cliEnv) remember(a *client.Auth) error {
	e.profile.Server = e.c.BaseURL()
	e.profile.Token = a.Token
	e.profile.UserID = a.User.ID
	e.profile.Username = a.User.Username
	if err := e.saveProfile(); err != nil {
		return fmt.Errorf("signed in, but could not save the token: %w", err)
	}
	return nil
}

// ctx is a command's context: Ctrl-C and a time limit end it.
func (e *cliEnv) ctx() (context.Context, context.CancelFunc) {
	ctx, stop := cliContext()
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	return ctx, func() { cancel(); stop() }
}

// printJSON prints v indented.
func (e *cliEnv) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// readLine reads one line of stdin.
func (e *cliEnv) readLine() (string, error) {
	if e.stdin == nil {
		e.stdin = bufio.NewReader(cliStdin)
	}
	line, err := e.stdin.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		if err == io.EOF {
			return "", errors.New("no input")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// password is the -password flag, else $CHAPAR_PASSWORD, else asked for
// (twice, with confirm, when it is a new one).
func (e *cliEnv) password(flagValue string, confirm bool) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := os.Getenv("CHAPAR_PASSWORD"); p != "" {
		return p, nil
	}
	if !cliIsTerminal() {
		return e.readLine()
	}
	ask := func(prompt string) (string, error) {
		fmt.Fprint(e.stderr, prompt)
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(e.stderr)
		return string(b), err
	}
	p, err := ask("password: ")
	if err != nil || !confirm {
		return p, err
	}
	again, err := ask("password again: ")
	if err != nil {
		return "", err
	}
	if again != p {
		return "", errors.New("the passwords differ")
	}
	return p, nil
}

func defaultDevice() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return "chapar CLI on " + h
	}
	return "chapar CLI"
}

// Account commands.

func cmdRegister(e *cliEnv, args []string) error {
	fs := e.flags(false)
	username := fs.String("username", "", "the username (5–32 of a–z, 0–9, _; starts with a letter)")
	password := fs.String("password", "", "the password (else $CHAPAR_PASSWORD, else asked for)")
	name := fs.String("name", "", "the display name")
	device := fs.String("device", defaultDevice(), "this device's name, as the sessions list shows it")
	rest, err := e.parse(fs, args, false)
	if err != nil {
		return err
	}
	if *username == "" || len(rest) > 0 {
		return usagef("-username is required, and nothing else")
	}
	if err := e.connect(); err != nil {
		return err
	}
	pw, err := e.password(*password, true)
	if err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	a, err := e.c.Register(ctx, client.RegisterRequest{Username: strings.TrimPrefix(*username, "@"), Password: pw, DisplayName: *name, Device: *device})
	if err != nil {
		return err
	}
	if err := e.remember(a); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "registered and signed in as %s (id %d) at %s\n", userLabel(a.User), a.User.ID, e.c.BaseURL())
	return nil
}

func cmdLogin(e *cliEnv, args []string) error {
	fs := e.flags(false)
	username := fs.String("username", "", "the username")
	password := fs.String("password", "", "the password (else $CHAPAR_PASSWORD, else asked for)")
	device := fs.String("device", defaultDevice(), "this device's name, as the sessions list shows it")
	rest, err := e.parse(fs, args, false)
	if err != nil {
		return err
	}
	if *username == "" || len(rest) > 0 {
		return usagef("-username is required, and nothing else")
	}
	if err := e.connect(); err != nil {
		return err
	}
	pw, err := e.password(*password, false)
	if err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	a, err := e.c.Login(ctx, client.LoginRequest{Username: strings.TrimPrefix(*username, "@"), Password: pw, Device: *device})
	if err != nil {
		return err
	}
	if err := e.remember(a); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "signed in as %s (id %d) at %s\n", userLabel(a.User), a.User.ID, e.c.BaseURL())
	return nil
}

func cmdPhone(e *cliEnv, args []string) error {
	fs := e.flags(false)
	phone := fs.String("phone", "", "the phone number, E.164 (+989121234567)")
	code := fs.String("code", "", "the code that was sent; without it, a code is sent")
	name := fs.String("name", "", "the display name, if this makes a new account")
	device := fs.String("device", defaultDevice(), "this device's name, as the sessions list shows it")
	rest, err := e.parse(fs, args, false)
	if err != nil {
		return err
	}
	if *phone == "" || len(rest) > 0 {
		return usagef("-phone is required, and nothing else")
	}
	if err := e.connect(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	if *code == "" {
		ttl, err := e.c.PhoneStart(ctx, *phone)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "a code was sent to %s; it is valid for %s. Then run:\n  chapar phone -phone %s -code CODE\n", *phone, ttl, *phone)
		return nil
	}
	a, err := e.c.PhoneVerify(ctx, client.PhoneVerifyRequest{Phone: *phone, Code: *code, DisplayName: *name, Device: *device})
	if err != nil {
		return err
	}
	if err := e.remember(a); err != nil {
		return err
	}
	what := "signed in"
	if a.NewUser {
		what = "created an account and signed in"
	}
	fmt.Fprintf(e.stdout, "%s as %s (id %d) at %s\n", what, userLabel(a.User), a.User.ID, e.c.BaseURL())
	return nil
}

func cmdWhoami(e *cliEnv, args []string) error {
	fs := e.flags(true)
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	u, err := e.c.Me(ctx)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(u)
	}
	fmt.Fprintf(e.stdout, "%s (id %d)", userLabel(*u), u.ID)
	if u.DisplayName != "" {
		fmt.Fprintf(e.stdout, ", %s", clean(u.DisplayName))
	}
	if u.Phone != "" {
		fmt.Fprintf(e.stdout, ", %s", u.Phone)
	}
	fmt.Fprintf(e.stdout, "\nserver: %s\n", e.c.BaseURL())
	return nil
}

func cmdLogout(e *cliEnv, args []string) error {
	fs := e.flags(false)
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	err := e.c.Logout(ctx)
	if err != nil && !client.IsCode(err, client.CodeUnauthorized) {
		return err // the token may still work: keep it
	}
	e.profile.Token, e.profile.UserID, e.profile.Username = "", 0, ""
	if err := e.saveProfile(); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, "signed out")
	return nil
}

func cmdSessions(e *cliEnv, args []string) error {
	fs := e.flags(true)
	revoke := fs.Int64("revoke", 0, "sign out the session with this id")
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	if *revoke != 0 {
		if err := e.c.RevokeSession(ctx, *revoke); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "session %d signed out\n", *revoke)
		return nil
	}
	list, err := e.c.Sessions(ctx)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(nonNil(list))
	}
	for _, s := range list {
		cur := ""
		if s.Current {
			cur = "  (this one)"
		}
		fmt.Fprintf(e.stdout, "%d\t%s\tsince %s\tlast seen %s%s\n", s.ID, clean(s.Device), when(s.CreatedAt), when(s.LastSeenAt), cur)
	}
	return nil
}

func cmdBlock(e *cliEnv, args []string) error   { return setBlock(e, args, true) }
func cmdUnblock(e *cliEnv, args []string) error { return setBlock(e, args, false) }

func setBlock(e *cliEnv, args []string, block bool) error {
	fs := e.flags(false)
	rest, err := e.parse(fs, args, true)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name one user")
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	u, err := e.resolveUser(ctx, rest[0])
	if err != nil {
		return err
	}
	if block {
		err = e.c.Block(ctx, u.ID)
	} else {
		err = e.c.Unblock(ctx, u.ID)
	}
	if err != nil {
		return err
	}
	verb := "blocked"
	if !block {
		verb = "unblocked"
	}
	fmt.Fprintf(e.stdout, "%s %s\n", verb, userLabel(*u))
	return nil
}

// Chat commands.

func cmdChats(e *cliEnv, args []string) error {
	fs := e.flags(true)
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	list, err := e.c.Chats(ctx)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(nonNil(list))
	}
	for _, ch := range list {
		title := clean(ch.Title)
		if ch.Type == client.ChatDirect {
			title = e.name(ctx, ch.PeerID)
		}
		line := fmt.Sprintf("%d\t%s\t%s", ch.ID, ch.Type, title)
		if ch.Type == client.ChatGroup {
			line += fmt.Sprintf(" (%d members)", ch.MembersCount)
		}
		if ch.Unread > 0 {
			line += fmt.Sprintf("\t%d unread", ch.Unread)
		}
		if m := ch.LastMessage; m != nil && m.Type == client.EventMessage {
			line += "\t" + e.name(ctx, m.ActorID) + ": " + ellipsis(messageText(*m), 40)
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}

func cmdDM(e *cliEnv, args []string) error {
	fs := e.flags(true)
	rest, err := e.parse(fs, args, true)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("name one user")
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	u, err := e.resolveUser(ctx, rest[0])
	if err != nil {
		return err
	}
	ch, err := e.c.CreateDirect(ctx, u.ID)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(ch)
	}
	fmt.Fprintln(e.stdout, ch.ID)
	return nil
}

func cmdGroup(e *cliEnv, args []string) error {
	fs := e.flags(true)
	title := fs.String("title", "", "the group's title")
	rest, err := e.parse(fs, args, true)
	if err != nil {
		return err
	}
	if *title == "" {
		return usagef("-title is required")
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	members := make([]int64, 0, len(rest))
	for _, name := range rest {
		u, err := e.resolveUser(ctx, name)
		if err != nil {
			return err
		}
		members = append(members, u.ID)
	}
	ch, err := e.c.CreateGroup(ctx, *title, members)
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(ch)
	}
	fmt.Fprintln(e.stdout, ch.ID)
	return nil
}

// Message commands.

func cmdSend(e *cliEnv, args []string) error {
	fs := e.flags(true)
	chat := fs.Int64("chat", 0, "the chat's id")
	reply := fs.Int64("reply", 0, "the seq of the message this replies to")
	rest, err := e.parse(fs, args, false) // the text may start with "-"
	if err != nil {
		return err
	}
	if *chat <= 0 {
		return usagef("-chat is required")
	}
	text := strings.Join(rest, " ")
	if len(rest) == 0 {
		b, err := io.ReadAll(io.LimitReader(cliStdin, 1<<20))
		if err != nil {
			return err
		}
		text = strings.TrimRight(string(b), "\r\n")
	}
	if strings.TrimSpace(text) == "" {
		return usagef("no text to send")
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	res, err := e.c.Send(ctx, *chat, client.SendRequest{Text: text, ReplyTo: *reply})
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(res)
	}
	fmt.Fprintln(e.stdout, res.Event.Seq)
	return nil
}

func cmdHistory(e *cliEnv, args []string) error {
	fs := e.flags(true)
	chat := fs.Int64("chat", 0, "the chat's id")
	limit := fs.Int("limit", 50, "how many messages (1–200)")
	before := fs.Int64("before", 0, "only messages before this seq")
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if *chat <= 0 {
		return usagef("-chat is required")
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	msgs, err := e.c.History(ctx, *chat, client.HistoryQuery{Before: *before, Limit: *limit})
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(nonNil(msgs))
	}
	for _, ev := range msgs {
		if line, ok := e.eventLine(ctx, ev); ok {
			fmt.Fprintln(e.stdout, line)
		}
	}
	return nil
}

func cmdTail(e *cliEnv, args []string) error {
	fs := e.flags(true)
	chat := fs.Int64("chat", 0, "only this chat's events")
	pos := fs.Int64("pos", -1, "start after this stream position (default: from now)")
	if err := e.noArgs(fs, args); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, stop := cliContext()
	defer stop()
	opts := client.FollowOptions{
		OnDisconnect: func(err error, retryIn time.Duration) {
			fmt.Fprintf(e.stderr, "chapar: %s; reconnecting in %s\n", errorText(err), retryIn.Round(time.Millisecond))
		},
	}
	if *pos >= 0 {
		opts.Pos = pos
	}
	err := e.c.Follow(ctx, opts, func(f client.Frame) error {
		if f.Type != client.FrameEvent || f.Event == nil || (*chat != 0 && f.Event.ChatID != *chat) {
			return nil
		}
		// One write per line, so that a pipe sees whole lines at once.
		if e.json {
			b, err := json.Marshal(f.Event)
			if err != nil {
				return err
			}
			_, err = e.stdout.Write(append(b, '\n'))
			return err
		}
		if line, ok := e.eventLine(ctx, *f.Event); ok {
			_, err := io.WriteString(e.stdout, line+"\n")
			return err
		}
		return nil
	})
	if ctx.Err() != nil {
		return nil // Ctrl-C: a normal end
	}
	return err
}

// noArgs parses flags and rejects positional arguments.
func (e *cliEnv) noArgs(fs *flag.FlagSet, args []string) error {
	rest, err := e.parse(fs, args, false)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("unexpected %q", rest[0])
	}
	return nil
}

// resolveUser finds a user by @username, username or numeric id.
func (e *cliEnv) resolveUser(ctx context.Context, s string) (*client.User, error) {
	name := strings.TrimPrefix(s, "@")
	if name == "" {
		return nil, usagef("empty username")
	}
	// Usernames start with a letter, so digits are an id.
	if id, err := strconv.ParseInt(name, 10, 64); err == nil && !strings.HasPrefix(s, "@") {
		return e.c.User(ctx, id)
	}
	u, err := e.c.UserByUsername(ctx, name)
	if client.IsCode(err, client.CodeNotFound) {
		return nil, fmt.Errorf("no user @%s (not_found)", name)
	}
	return u, err
}

// name shows a user: @username, else the display name, else the id.
// Lookups are cached for the command's run; one that fails shows the id.
func (e *cliEnv) name(ctx context.Context, id int64) string {
	if n, ok := e.names[id]; ok {
		return n
	}
	n := fmt.Sprintf("user %d", id)
	if id == e.profile.UserID && e.profile.Username != "" {
		n = "@" + e.profile.Username
	} else if u, err := e.c.User(ctx, id); err == nil {
		n = userLabel(*u)
	}
	e.names[id] = n
	return n
}

func userLabel(u client.User) string {
	switch {
	case u.Username != "":
		return "@" + u.Username
	case u.DisplayName != "":
		return clean(u.DisplayName)
	}
	return fmt.Sprintf("user %d", u.ID)
}

// eventLine shows an event on one line, "[chat 12 #41] @sara: salam"; ok
// is false for events not worth a line (read receipts).
func (e *cliEnv) eventLine(ctx context.Context, ev client.Event) (string, bool) {
	head := fmt.Sprintf("[chat %d #%d] ", ev.ChatID, ev.Seq)
	who := e.name(ctx, ev.ActorID)
	switch ev.Type {
	case client.EventMessage:
		var notes []string
		if ev.ReplyTo != 0 {
			notes = append(notes, fmt.Sprintf("reply to #%d", ev.ReplyTo))
		}
		if f := ev.Forward; f != nil {
			notes = append(notes, fmt.Sprintf("forwarded from chat %d #%d", f.ChatID, f.Seq))
		}
		if ev.EditedAt != nil && !ev.Deleted {
			notes = append(notes, "edited")
		}
		if len(notes) > 0 {
			who += " (" + strings.Join(notes, ", ") + ")"
		}
		return head + who + ": " + messageText(ev), true
	case client.EventEdit:
		return head + fmt.Sprintf("%s edited #%d: %s", who, ev.Target, clean(ev.Text)), true
	case client.EventDelete:
		return head + fmt.Sprintf("%s deleted #%d", who, ev.Target), true
	case client.EventChatCreated:
		if ev.Text != "" {
			return head + fmt.Sprintf("%s created %q", who, clean(ev.Text)), true
		}
		return head + who + " started the chat", true
	case client.EventMemberAdded:
		return head + fmt.Sprintf("%s added %s", who, e.name(ctx, ev.Target)), true
	case client.EventMemberRemoved:
		return head + fmt.Sprintf("%s removed %s", who, e.name(ctx, ev.Target)), true
	case client.EventMemberLeft:
		return head + who + " left", true
	case client.EventRoleChanged:
		return head + fmt.Sprintf("%s made %s %s", who, e.name(ctx, ev.Target), ev.Role), true
	case client.EventTitleChanged:
		return head + fmt.Sprintf("%s set the title to %q", who, clean(ev.Text)), true
	case client.EventRead:
		return "", false
	}
	return head + who + " " + clean(ev.Type), true
}

func messageText(ev client.Event) string {
	if ev.Deleted {
		return "(deleted)"
	}
	return clean(ev.Text)
}

// clean makes text from other users safe for one terminal line: line
// breaks become " ↵ ", and other control characters — escape sequences
// could rewrite the terminal — are shown escaped.
func clean(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(" ↵ ")
		case r == '\r':
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// nonNil makes an empty list print as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Bots.

// cmdBot: "bot create -username shop_bot [-name Shop]" prints the new
// bot's token; "bot list" lists your bots; "bot token -id ID" gives one a
// new token (the old one stops working).
func cmdBot(e *cliEnv, args []string) error {
	if len(args) == 0 {
		return usagef("bot: say create, list or token")
	}
	sub, args := args[0], args[1:]
	fs := e.flags(true)
	username := fs.String("username", "", "create: the bot's username (must end in \"bot\")")
	name := fs.String("name", "", "create: the bot's display name")
	id := fs.Int64("id", 0, "token: the bot's id")
	if _, err := e.parse(fs, args, false); err != nil {
		return err
	}
	if err := e.signedIn(); err != nil {
		return err
	}
	ctx, cancel := e.ctx()
	defer cancel()
	var b *client.Bot
	var err error
	switch sub {
	case "create":
		if *username == "" {
			return usagef("bot create: -username is required")
		}
		b, err = e.c.CreateBot(ctx, strings.TrimPrefix(*username, "@"), *name)
	case "token":
		if *id <= 0 {
			return usagef("bot token: -id is required")
		}
		b, err = e.c.RenewBotToken(ctx, *id)
	case "list":
		bots, err := e.c.Bots(ctx)
		if err != nil {
			return err
		}
		if e.json {
			return e.printJSON(bots)
		}
		for _, b := range bots {
			fmt.Fprintf(e.stdout, "%d\t@%s\t%s\n", b.ID, b.Username, b.Name)
		}
		return nil
	default:
		return usagef("bot: say create, list or token, not %q", sub)
	}
	if err != nil {
		return err
	}
	if e.json {
		return e.printJSON(b)
	}
	fmt.Fprintln(e.stdout, b.Token)
	return nil
}
