package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chapar/chapar/client"
	"github.com/chromedp/chromedp"
)

// These tests drive the web client's channels, joining by search and by
// invite link, and the admin screens of groups and channels. Helpers are
// in browser_test.go and webclient_test.go.

// waitJSFor is waitJS with its own deadline, for what changes only on a
// client's periodic refresh (view and reaction counts are not pushed).
func waitJSFor(t *testing.T, ctx context.Context, js string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool](js))
		cancel()
		if err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	failShot(t, ctx)
	t.Fatalf("still false after %s: %s", d, js)
}

// clickWhere clicks the first element matching sel whose text contains
// text, once there is one.
func clickWhere(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	waitJS(t, ctx, fmt.Sprintf(`(() => { const e = [...document.querySelectorAll(%q)].find(e => e.textContent.includes(%q)); if (e) e.click(); return !!e; })()`, sel, text))
}

// post finds the channel post (li.msg) whose text is text, for a script.
func post(text string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("ol.messages li.msg")].find(li => li.querySelector(".text") && li.querySelector(".text").textContent === %q)`, text)
}

// signInBrowser signs an existing user (password "password1") in.
func signInBrowser(t *testing.T, ctx context.Context, url, name string) {
	t.Helper()
	drive(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		typeIn(`input[name=username]`, name), typeIn(`input[name=password]`, "password1"),
		click(`form.signin button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
}

// inPersian switches the signed-in page to Persian from the settings panel.
func inPersian(t *testing.T, ctx context.Context) {
	t.Helper()
	drive(t, ctx, click(`button.settings`), chromedp.WaitVisible(chromedp.CSS(`.settings-panel .sessions li`)),
		click(`.settings-panel button.lang`), click(`.panel button.close`))
	waitJS(t, ctx, `document.documentElement.dir === "rtl"`)
}

// openManage opens the open chat's info and then its admin panel.
func openManage(t *testing.T, ctx context.Context) {
	t.Helper()
	drive(t, ctx, click(`main.conversation header button.title`), chromedp.WaitVisible(chromedp.CSS(`.group-info button.manage`)),
		click(`.group-info button.manage`), chromedp.WaitVisible(chromedp.CSS(`.admin-panel .tabs`)))
}

const noOverflow = `document.documentElement.scrollWidth <= window.innerWidth`

// TestWebClientChannel: an owner makes a public channel and posts; a reader
// finds it with the search box by @username and by a Persian word of its
// name, reads it before joining, joins, gets the next post live without a
// composer; views and reactions count on both sides; a pinned post shows
// at the top and jumps to the post; posts of a channel with a discussion
// group open it with "Comments".
func TestWebClientChannel(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner, reader := browser(t), browser(t)
	signUpInBrowser(t, owner, srv.URL, "parvin_ch")
	signUpInBrowser(t, reader, srv.URL, "kaveh_ch")

	// The owner makes the channel where "New group" is.
	drive(t, owner, click(`button.newgroup`), click(`.newgroup-panel button.kind-channel`),
		chromedp.WaitVisible(chromedp.CSS(`.newgroup-panel input[name=username]`)),
		typeIn(`.newgroup-panel input[name=title]`, "اخبار تهران Daily"),
		typeIn(`.newgroup-panel input[name=username]`, "tehran_daily"),
		typeIn(`.newgroup-panel textarea[name=about]`, "News from Tehran, every day."))
	screenshot(t, owner, "new-channel-en.png")
	if bad := unlabelled(t, owner); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	drive(t, owner, click(`.newgroup-panel button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	waitText(t, owner, `main.conversation header`, "1 subscriber")
	sendText(t, owner, "first post: سلام تهران")
	// Without signatures a post is the channel's: its title, not the author.
	waitJS(t, owner, post("first post: سلام تهران")+`.querySelector(".sender").textContent === "اخبار تهران Daily"`)
	// The owner has seen the post: one view.
	waitJS(t, owner, post("first post: سلام تهران")+`.querySelector(".views").textContent.includes("1")`)

	// The reader finds it by @username…
	drive(t, reader, typeIn(`nav.chats form.search input`, "@tehran_d"))
	waitText(t, reader, `nav.chats ul.dir-chats`, "اخبار تهران Daily")
	waitText(t, reader, `nav.chats`, "Channels and groups")
	// …and by a Persian word of its name; the post shows among public posts.
	drive(t, reader, setValue(`nav.chats form.search input`, "تهران"))
	waitText(t, reader, `nav.chats ul.public-posts`, "first post")
	waitText(t, reader, `nav.chats ul.dir-chats`, "Daily")
	screenshot(t, reader, "search-directory-en.png")
	drive(t, reader, click(`ul.dir-chats button.dir-chat`))
	waitText(t, reader, `ol.messages`, "first post: سلام تهران")
	// Read-only before joining: no composer, a Join button.
	waitText(t, reader, `.chat-bar button.join`, "Join channel")
	if eval[bool](t, reader, `!!document.querySelector("form.composer")`) {
		t.Fatal("a composer shows in a channel one is not in")
	}
	screenshot(t, reader, "channel-preview-en.png")
	drive(t, reader, click(`.chat-bar button.join`))
	waitJS(t, reader, `!!document.querySelector(".chat-bar button.mute") && !document.querySelector("form.composer")`)
	waitText(t, reader, `nav.chats`, "اخبار تهران Daily")

	// The next post arrives live.
	sendText(t, owner, "second post")
	waitText(t, reader, `ol.messages`, "second post")
	if eval[bool](t, reader, `!!document.querySelector("form.composer")`) {
		t.Fatal("a subscriber has a composer")
	}
	// Reactions: the reader reacts, and sees the count at once.
	waitJS(t, reader, `(() => { const li = `+post("second post")+`; li.querySelector("button.react").click(); return true; })()`)
	drive(t, reader, click(`li.msg .reaction-picker button[aria-label="React with 🔥"]`))
	chip := func(n string) string {
		return `(() => { const b = ` + post("second post") + `.querySelector('button.reaction[data-emoji="🔥"]'); return !!b && b.querySelector(".count").textContent === "` + n + `"; })()`
	}
	waitJS(t, reader, chip("1")+` && `+post("second post")+`.querySelector("button.reaction.mine") !== null`)
	// The owner's page asks for the counts of the posts on screen every
	// 15 s: the reader's view (2 with the owner's own) and reaction come.
	waitJSFor(t, owner, chip("1")+` && `+post("second post")+`.querySelector(".views").textContent.trim() === "👁 2"`, 40*time.Second)
	// One reaction per person: a second choice replaces the first.
	waitJS(t, reader, `(() => { `+post("second post")+`.querySelector("button.react").click(); return true; })()`)
	drive(t, reader, click(`li.msg .reaction-picker button[aria-label="React with 👍"]`))
	waitJS(t, reader, `!`+post("second post")+`.querySelector('button.reaction[data-emoji="🔥"]') && !!`+post("second post")+`.querySelector('button.reaction.mine[data-emoji="👍"]')`)
	// Clicking one's own reaction takes it back; the owner's count goes too.
	waitJS(t, reader, `(() => { `+post("second post")+`.querySelector('button.reaction[data-emoji="👍"]').click(); return true; })()`)
	waitJS(t, reader, `!`+post("second post")+`.querySelector("button.reaction")`)
	waitJSFor(t, owner, `!`+post("second post")+`.querySelector("button.reaction")`, 40*time.Second)
	// And again, for the screenshots.
	waitJS(t, reader, `(() => { `+post("first post: سلام تهران")+`.querySelector("button.react").click(); return true; })()`)
	drive(t, reader, click(`li.msg .reaction-picker button[aria-label="React with ❤️"]`))
	waitJS(t, reader, `!!`+post("first post: سلام تهران")+`.querySelector('button.reaction.mine[data-emoji="❤️"]')`)

	// Pin: the owner pins the first post from its menu; the reader sees it
	// at the top, and choosing it brings the post into view.
	for i := range 12 {
		sendText(t, owner, fmt.Sprint("filler ", i))
	}
	waitText(t, reader, `ol.messages`, "filler 11")
	msgAction(t, owner, "first post: سلام تهران", "pin")
	waitText(t, owner, `.pinned-bar`, "first post")
	waitText(t, reader, `.pinned-bar .pinned-text`, "first post: سلام تهران")
	waitText(t, reader, `ol.messages`, "pinned “first post")
	drive(t, reader, click(`.pinned-bar button.pinned`))
	waitJS(t, reader, `(() => { const li = document.querySelector("li.msg.found"); if (!li) return false;
		const r = li.getBoundingClientRect(), box = document.querySelector("ol.messages").getBoundingClientRect();
		return li.querySelector(".text").textContent.startsWith("first post") && r.top >= box.top && r.bottom <= box.bottom; })()`)
	// A subscriber cannot pin: the menu has no Pin.
	waitJS(t, reader, `(() => { `+post("second post")+`.querySelector("button.more").click(); return true; })()`)
	waitJS(t, reader, `!!document.querySelector("li.msg.selected .actions") && !document.querySelector("li.msg.selected .act-pin") && !document.querySelector("li.msg.selected .act-reply")`)
	waitJS(t, reader, `(() => { document.querySelector("li.msg.selected button.more").click(); return true; })()`)
	screenshot(t, reader, "channel-en.png")
	if bad := unlabelled(t, reader); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}

	// Mute is the reader's own: the list marks the channel.
	drive(t, reader, click(`.chat-bar button.mute`), setValue(`nav.chats form.search input`, ""))
	waitText(t, reader, `.chat-bar button.mute`, "Unmute")
	waitJS(t, reader, `!!document.querySelector("nav.chats .muted-mark")`)

	// Signatures on: the owner's next post carries the owner's name.
	openManage(t, owner)
	waitJS(t, owner, `document.querySelector(".admin-panel .tab-settings").getAttribute("aria-selected") === "true"`)
	screenshot(t, owner, "channel-admin-en.png")
	drive(t, owner, click(`.chat-settings input[name=signatures]`), click(`.chat-settings button.save-settings`))
	waitText(t, owner, `.chat-settings .ok`, "Saved")
	drive(t, owner, click(`.panel button.close`))
	sendText(t, owner, "signed post")
	waitJS(t, reader, post("signed post")+` && `+post("signed post")+`.querySelector(".sender").textContent === "parvin_ch"`)

	// Discussion: a public group linked to the channel; each post's
	// "Comments" opens it.
	oc := client.New(srv.URL)
	_, err := oc.Login(bg, client.LoginRequest{Username: "parvin_ch", Password: "password1"})
	must(t, err)
	g, err := oc.CreateGroup(bg, "Tehran talk", nil)
	must(t, err)
	_, err = oc.UpdateChat(bg, g.ID, client.ChatUpdate{Username: ptr("tehran_talk")})
	must(t, err)
	chats, err := oc.Chats(bg)
	must(t, err)
	var ch int64
	for _, c := range chats {
		if c.Type == client.ChatChannel {
			ch = c.ID
		}
	}
	_, err = oc.UpdateChat(bg, ch, client.ChatUpdate{LinkedChatID: &g.ID})
	must(t, err)
	waitJS(t, reader, `!!`+post("second post")+`.querySelector("button.comments")`)
	waitJS(t, reader, `(() => { `+post("second post")+`.querySelector("button.comments").click(); return true; })()`)
	waitText(t, reader, `main.conversation header`, "Tehran talk")
	waitText(t, reader, `.chat-bar button.join`, "Join group")
	drive(t, reader, click(`.chat-bar button.join`), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	sendText(t, reader, "great news!")
	waitJS(t, reader, `[...document.querySelectorAll("li.msg .tick.sent, li.msg .tick.read")].length > 0`)
	hist, err := oc.History(bg, g.ID, client.HistoryQuery{})
	must(t, err)
	if last := hist[len(hist)-1]; last.Text != "great news!" {
		t.Fatalf("the comment did not reach the discussion group: %+v", last)
	}

	// Leave: the channel goes from the reader's list.
	openChat(t, reader, "اخبار تهران Daily")
	drive(t, reader, click(`.chat-bar button.leave-channel`))
	waitJS(t, reader, `![...document.querySelectorAll("nav.chats .name")].some(e => e.textContent.includes("اخبار تهران"))`)
	if strings.Contains(eval[string](t, reader, `location.hash`), fmt.Sprint(ch)) {
		t.Fatal("the channel stays open after leaving it")
	}

	// People are found by the same box; choosing one starts a chat.
	drive(t, reader, setValue(`nav.chats form.search input`, "parvin"))
	waitText(t, reader, `nav.chats ul.people`, "@parvin_ch")
	waitText(t, reader, `nav.chats`, "People")
	drive(t, reader, click(`ul.people button.person`))
	waitText(t, reader, `main.conversation header`, "parvin_ch")
	waitJS(t, reader, `!!document.querySelector("form.composer textarea") && document.querySelector("nav.chats form.search input").value === ""`)
}

// plain is a script's text with the bidi isolates the UI puts around names
// taken out.
func plain(js string) string { return `(` + js + `).replace(/[\u2068\u2069]/g, "")` }

// TestWebClientInviteApproval: an admin makes an invite link that needs
// approval in the admin screen; someone opens the link (signing up on the
// way), asks to join, the admin approves the request in the admin screen,
// and the newcomer is in the group.
func TestWebClientInviteApproval(t *testing.T) {
	srv := startServer(t, t.TempDir())
	owner := browser(t)
	signUpInBrowser(t, owner, srv.URL, "hoda_inv")
	drive(t, owner, click(`button.newgroup`),
		typeIn(`.newgroup-panel input[name=title]`, "Book club"),
		click(`.newgroup-panel button[type=submit]`),
		chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	sendText(t, owner, "welcome, readers")
	openManage(t, owner)
	drive(t, owner, click(`.admin-panel .tab-links`), chromedp.WaitVisible(chromedp.CSS(`form.new-link`)))
	waitText(t, owner, `.tabpanel`, "No links yet")
	drive(t, owner, typeIn(`form.new-link input[name=link-name]`, "for the newsletter"),
		chromedp.SetValue(chromedp.CSS(`form.new-link select[name=expires]`), "86400"),
		click(`form.new-link input[name=needs-approval]`), click(`form.new-link button.create-link`))
	waitJS(t, owner, `!!document.querySelector(".invites li.invite input.invite-link")`)
	waitText(t, owner, `.invites li.invite`, "needs approval")
	waitText(t, owner, `.invites li.invite`, "0 uses")
	waitText(t, owner, `.invites li.invite`, "expires")
	link := eval[string](t, owner, `document.querySelector(".invites li.invite input.invite-link").value`)
	if !strings.HasPrefix(link, srv.URL+"/#/join/") {
		t.Fatalf("invite link %q", link)
	}
	// Copy puts the link on the clipboard, or (where the page may not)
	// selects it for copying by hand.
	drive(t, owner, click(`.invites li.invite button.copy`))
	waitJS(t, owner, `!!document.querySelector(".invite-actions .ok") || (document.activeElement.classList.contains("invite-link") && document.activeElement.selectionEnd > 0)`)
	screenshot(t, owner, "admin-links-en.png")
	if bad := unlabelled(t, owner); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}

	// The newcomer opens the link before having an account, signs up, and
	// sees where it leads.
	joiner := browser(t)
	drive(t, joiner, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form.signin`)),
		click(`button.mode`), typeIn(`input[name=username]`, "farid_inv"), typeIn(`input[name=password]`, "password1"),
		click(`form.signin button[type=submit]`), chromedp.WaitVisible(chromedp.CSS(`.invite-card`)))
	waitText(t, joiner, `.invite-card h2`, "Book club")
	waitText(t, joiner, `.invite-card`, "1 member")
	waitText(t, joiner, `.invite-card button.join-invite`, "Request to join")
	screenshot(t, joiner, "invite-en.png")
	drive(t, joiner, click(`.invite-card button.join-invite`))
	waitText(t, joiner, `.invite-card .ok`, "Your request was sent")

	// The admin sees the request and lets the newcomer in.
	drive(t, owner, click(`.admin-panel .tab-requests`))
	waitText(t, owner, `.requests`, "farid_inv")
	screenshot(t, owner, "admin-requests-en.png")
	drive(t, owner, click(`.requests li[data-user=farid_inv] button.approve`))
	waitText(t, owner, `.tabpanel`, "No one is waiting")
	// The newcomer's page opens the group as soon as they are in.
	waitText(t, joiner, `main.conversation header`, "Book club")
	waitText(t, joiner, `ol.messages`, "welcome, readers")
	sendText(t, joiner, "thanks for having me")
	waitText(t, owner, `ol.messages`, "thanks for having me")

	// Revoking the link stops it working.
	drive(t, owner, click(`.admin-panel .tab-links`))
	waitJS(t, owner, `!!document.querySelector(".invites li.invite button.revoke-link")`)
	drive(t, owner, click(`.invites li.invite button.revoke-link`))
	waitText(t, owner, `.invites li.invite`, "revoked")
	other := browser(t)
	signUpInBrowser(t, other, srv.URL, "late_inv")
	drive(t, other, chromedp.Navigate("about:blank"), chromedp.Navigate(link))
	waitText(t, other, `.invite-card .error`, "not valid")
	// A link for one person, without approval, lets one in and counts it.
	drive(t, owner, setValue(`form.new-link input[name=usage-limit]`, "1"), click(`form.new-link button.create-link`))
	waitJS(t, owner, `document.querySelectorAll(".invites li.invite").length === 2`)
	waitText(t, owner, `.invites li.invite`, "0 of 1 uses")
	link2 := eval[string](t, owner, `document.querySelector(".invites li.invite input.invite-link").value`)
	drive(t, other, chromedp.Navigate("about:blank"), chromedp.Navigate(link2))
	waitText(t, other, `.invite-card button.join-invite`, "Join group")
	drive(t, other, click(`.invite-card button.join-invite`))
	waitText(t, other, `main.conversation header`, "Book club")
	drive(t, owner, click(`.admin-panel .tab-requests`), click(`.admin-panel .tab-links`))
	waitText(t, owner, `.invites li.invite`, "1 of 1 uses")

	// The admin log says what happened, newest first.
	drive(t, owner, click(`.admin-panel .tab-log`))
	waitJS(t, owner, `[...document.querySelectorAll(".admin-log li")].map(li => li.dataset.action).join() === "invite,revoke,approve,invite"`)
	waitJS(t, owner, plain(`document.querySelector(".admin-log").textContent`)+`.includes("You revoked the invite link “for the newsletter”")`)
	waitJS(t, owner, plain(`document.querySelector(".admin-log").textContent`)+`.includes("You let farid_inv in")`)
	waitJS(t, owner, plain(`document.querySelector(".admin-log").textContent`)+`.includes("You made an invite link “for the newsletter”")`)
}

// TestWebClientGroupModeration: the owner of a group manages it from the
// admin screen. Slow mode: a member's composer counts down after a send,
// and a send the server refuses says how long to wait. A restricted
// member's send fails with the server's message until the restriction is
// lifted. An admin is made with chosen rights. A banned member loses the
// group and is refused (with the server's message) when coming back by a
// link, until unbanned. The admin log lists all of it.
func TestWebClientGroupModeration(t *testing.T) {
	srv := startServer(t, t.TempDir())
	oc, _ := newUser(t, srv.URL, "golnar_mod")
	mc, mu := newUser(t, srv.URL, "babak_mod")
	sc, su := newUser(t, srv.URL, "sima_mod")
	g, err := oc.CreateGroup(bg, "Garden", []int64{mu.ID, su.ID})
	must(t, err)
	owner, member := browser(t), browser(t)
	signInBrowser(t, owner, srv.URL, "golnar_mod")
	signInBrowser(t, member, srv.URL, "babak_mod")
	openChat(t, owner, "Garden")
	openChat(t, member, "Garden")

	// Slow mode, from the settings tab.
	openManage(t, owner)
	waitJS(t, owner, `[...document.querySelectorAll(".admin-panel .tabs .tab")].map(b => b.textContent).join() === "Settings,Invite links,Join requests,Members,Admin log"`)
	drive(t, owner, chromedp.SetValue(chromedp.CSS(`.chat-settings select[name=slow_mode]`), "30"), click(`.chat-settings button.save-settings`))
	waitText(t, owner, `.chat-settings .ok`, "Saved")
	screenshot(t, owner, "group-admin-en.png")
	waitText(t, member, `main.conversation header .subtitle`, "3 members · slow mode 30 s")
	sendText(t, member, "slow one")
	waitText(t, owner, `ol.messages`, "slow one")
	waitText(t, member, `form.composer .slow-note`, "Slow mode: you can send again in")
	waitJS(t, member, `document.querySelector("form.composer button.send").disabled`)
	screenshot(t, member, "slow-mode-en.png")
	// The owner is not slowed.
	sendText(t, owner, "owner one")
	sendText(t, owner, "owner two")
	waitText(t, member, `ol.messages`, "owner two")
	// After a reload the page does not know when the last message went;
	// the server refuses, and the page says how long to wait.
	drive(t, member, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`form.composer textarea`)))
	waitText(t, member, `ol.messages`, "owner two")
	sendText(t, member, "too fast")
	waitText(t, member, `ol.messages li.failed`, "Not sent: Slow mode: wait")
	waitText(t, member, `form.composer .slow-note`, "Slow mode: you can send again in")
	drive(t, owner, chromedp.SetValue(chromedp.CSS(`.chat-settings select[name=slow_mode]`), "0"), click(`.chat-settings button.save-settings`))
	waitText(t, owner, `.chat-settings .ok`, "Saved")
	waitJS(t, member, `!document.querySelector("main.conversation header .subtitle").textContent.includes("slow")`)

	// Restrict: the member may not send for an hour.
	drive(t, owner, click(`.admin-panel .tab-members`))
	waitJS(t, owner, `!!document.querySelector(".admin-members li[data-user=babak_mod] button.restrict")`)
	drive(t, owner, click(`.admin-members li[data-user=babak_mod] button.restrict`),
		chromedp.WaitVisible(chromedp.CSS(`.restrict-editor`)))
	if !eval[bool](t, owner, `document.querySelector(".restrict-editor input[name=right-post]").checked`) {
		t.Fatal("restricting does not offer to deny sending")
	}
	drive(t, owner, click(`.restrict-editor button.apply`))
	waitText(t, owner, `.admin-members li[data-user=babak_mod] .member-restricted`, "Restricted (Send messages), until")
	screenshot(t, owner, "admin-members-en.png")
	if bad := unlabelled(t, owner); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	_, err = mc.Send(bg, g.ID, client.SendRequest{Text: "through the API"})
	wantCode(t, err, "forbidden")
	refusal := err.(*client.APIError).Message
	waitText(t, member, `form.composer .restricted-note`, "restricted")
	sendText(t, member, "can I still talk?")
	waitJS(t, member, fmt.Sprintf(`[...document.querySelectorAll("ol.messages li.failed")].some(li => li.textContent.includes(%q))`, "Not sent: "+refusal))
	// Lifted: the member sends again.
	drive(t, owner, click(`.admin-members li[data-user=babak_mod] button.unrestrict`))
	waitJS(t, owner, `!document.querySelector(".admin-members li[data-user=babak_mod] .member-restricted")`)
	waitJS(t, member, `!document.querySelector("form.composer .restricted-note")`)
	sendText(t, member, "back again")
	waitText(t, owner, `ol.messages`, "back again")

	// An admin with two rights.
	drive(t, owner, click(`.admin-members li[data-user=sima_mod] button.edit-admin`), chromedp.WaitVisible(chromedp.CSS(`.rights-editor`)))
	eval[bool](t, owner, `(() => { [...document.querySelectorAll(".rights-editor input[type=checkbox]")].forEach(i => {
		const want = ["right-pin", "right-delete"].includes(i.name); if (i.checked !== want) i.click(); }); return true; })()`)
	drive(t, owner, click(`.rights-editor button.apply`))
	waitText(t, owner, `.admin-members li[data-user=sima_mod] .member-rights`, "Rights: Pin messages, Delete others' messages")
	waitText(t, owner, `.admin-members li[data-user=sima_mod] .role`, "admin")
	sg, err := sc.Chat(bg, g.ID)
	must(t, err)
	if sg.Role != "admin" || !strings.Contains(strings.Join(sg.MyRights, ","), "pin") || strings.Contains(strings.Join(sg.MyRights, ","), "ban") {
		t.Fatalf("the new admin: role %q, rights %v", sg.Role, sg.MyRights)
	}

	// Ban for a day: the member loses the group.
	drive(t, owner, click(`.admin-members li[data-user=babak_mod] button.ban`), chromedp.WaitVisible(chromedp.CSS(`.ban-editor`)),
		click(`.ban-editor button.apply`))
	waitText(t, owner, `.banned-list li[data-user=babak_mod]`, "until")
	waitJS(t, owner, `!document.querySelector(".admin-members li[data-user=babak_mod]")`)
	waitJS(t, member, `![...document.querySelectorAll("nav.chats .name")].some(e => e.textContent.includes("Garden"))`)
	waitJS(t, member, plain(`document.querySelector("main.conversation.empty").textContent`)+`.includes("You are no longer in “Garden”")`)
	// Coming back by a link is refused with the server's message.
	inv, err := oc.CreateInvite(bg, g.ID, client.InviteRequest{})
	must(t, err)
	_, err = mc.JoinByInvite(bg, inv.Code)
	wantCode(t, err, "forbidden")
	refusal = err.(*client.APIError).Message
	drive(t, member, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/#/join/"+inv.Code))
	drive(t, member, click(`.invite-card button.join-invite`))
	waitText(t, member, `.invite-card .error`, refusal)
	// Unbanned, the member may come back.
	drive(t, owner, click(`.banned-list li[data-user=babak_mod] button.unban`))
	waitJS(t, owner, `!document.querySelector(".banned-list")`)
	drive(t, member, click(`.invite-card button.join-invite`))
	waitText(t, member, `main.conversation header`, "Garden")

	// The admin log, newest first, in words.
	drive(t, owner, click(`.admin-panel .tab-log`))
	waitJS(t, owner, `[...document.querySelectorAll(".admin-log li")].map(li => li.dataset.action).join() === "unban,invite,ban,role,restrict,restrict,info,info"`)
	log := eval[string](t, owner, plain(`[...document.querySelectorAll(".admin-log li .log-line")].map(e => e.textContent).join("\n")`))
	for _, want := range []string{"You unbanned babak_mod", "You banned babak_mod until ", "You made sima_mod an admin: Pin messages, Delete others' messages",
		"You lifted babak_mod's restrictions", "You restricted babak_mod until ", ": Send messages",
		"You changed the settings: slow mode off", "You changed the settings: slow mode 30 s"} {
		if !strings.Contains(log, want) {
			t.Fatalf("the admin log lacks %q:\n%s", want, log)
		}
	}
	screenshot(t, owner, "admin-log-en.png")
}

// persianUser registers a user with a Persian display name.
func persianUser(t *testing.T, url, username, name string) (*client.Client, client.User) {
	t.Helper()
	c := client.New(url)
	a, err := c.Register(bg, client.RegisterRequest{Username: username, Password: "password1", DisplayName: name})
	must(t, err)
	return c, a.User
}

// TestWebClientChannelScreensPersian saves the new screens in Persian (and
// checks they are right to left and in Persian), and checks them on a
// 360 px phone in both languages: nothing is wider than the screen.
func TestWebClientChannelScreensPersian(t *testing.T) {
	srv := startServer(t, t.TempDir())
	oc, _ := persianUser(t, srv.URL, "mahsa_fa", "مهسا")
	ac, au := persianUser(t, srv.URL, "ali_fa", "علی")
	zc, zu := persianUser(t, srv.URL, "zahra_fa", "زهرا")
	nc, nu := persianUser(t, srv.URL, "nima_fa", "نیما")
	sc, _ := persianUser(t, srv.URL, "sara_fa", "سارا")
	_, ru := persianUser(t, srv.URL, "reza_fa", "رضا")

	// A public channel with posts, views, reactions and a pinned post.
	ch, err := oc.CreateChannel(bg, client.ChannelRequest{Title: "کتاب‌خانهٔ شهر", Username: "ketabkhane", About: "معرفی کتاب‌های تازه، هر روز."})
	must(t, err)
	var seqs []int64
	for _, text := range []string{"کتاب تازهٔ این هفته: «سمفونی مردگان» از عباس معروفی", "جلسهٔ کتاب‌خوانی پنجشنبه ساعت ۱۸ برگزار می‌شود.", "نمایشگاه کتاب از فردا آغاز می‌شود؛ ساعت کار: ۹ تا ۲۱"} {
		p, err := oc.Send(bg, ch.ID, client.SendRequest{Text: text})
		must(t, err)
		seqs = append(seqs, p.Event.Seq)
	}
	for i, c := range []*client.Client{ac, zc} {
		_, err := c.Join(bg, ch.ID)
		must(t, err)
		_, err = c.Stats(bg, ch.ID, seqs, true)
		must(t, err)
		_, err = c.React(bg, ch.ID, seqs[0], []string{"❤️", "👍"}[i])
		must(t, err)
	}
	_, err = oc.Pin(bg, ch.ID, seqs[0])
	must(t, err)

	// A group with slow mode, an admin, a restricted member, a ban, a link
	// that needs approval and a request waiting, linked to the channel.
	g, err := oc.CreateGroup(bg, "باشگاه کتاب", []int64{au.ID, zu.ID, nu.ID})
	must(t, err)
	_, err = oc.UpdateChat(bg, g.ID, client.ChatUpdate{SlowMode: ptr(60), About: ptr("گفتگو دربارهٔ کتاب‌های کانال")})
	must(t, err)
	_, err = oc.SetAdmin(bg, g.ID, zu.ID, []string{"pin", "delete", "invite"})
	must(t, err)
	_, err = oc.Restrict(bg, g.ID, au.ID, []string{"post", "send_media"}, time.Now().Add(24*time.Hour))
	must(t, err)
	must(t, oc.Ban(bg, g.ID, ru.ID, time.Time{}))
	inv, err := oc.CreateInvite(bg, g.ID, client.InviteRequest{Name: "برای خبرنامه", NeedsApproval: true, ExpiresIn: 7 * 24 * 3600})
	must(t, err)
	_, err = oc.CreateInvite(bg, g.ID, client.InviteRequest{UsageLimit: 10})
	must(t, err)
	res, err := sc.JoinByInvite(bg, inv.Code)
	must(t, err)
	if !res.Pending {
		t.Fatal("the request did not wait for approval")
	}
	_, err = oc.UpdateChat(bg, ch.ID, client.ChatUpdate{LinkedChatID: &g.ID})
	must(t, err)
	_, err = oc.Send(bg, g.ID, client.SendRequest{Text: "سلام دوستان! بحث این هفته دربارهٔ «سمفونی مردگان» است."})
	must(t, err)
	_, err = zc.Send(bg, g.ID, client.SendRequest{Text: "عالی، من فصل اول را خوانده‌ام."})
	must(t, err)

	// The owner, in Persian.
	owner := browser(t)
	drive(t, owner, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
	signInBrowser(t, owner, srv.URL, "mahsa_fa")
	waitJS(t, owner, `document.documentElement.dir === "rtl" && document.documentElement.lang === "fa"`)
	openChat(t, owner, "کتاب‌خانهٔ شهر")
	waitText(t, owner, `main.conversation header .subtitle`, "۳ مشترک")
	waitText(t, owner, `.pinned-bar`, "پیام سنجاق‌شده")
	waitJS(t, owner, post("کتاب تازهٔ این هفته: «سمفونی مردگان» از عباس معروفی")+`.querySelector(".views").getAttribute("aria-label") === "۳ بازدید"`)
	waitJS(t, owner, `document.querySelectorAll("li.msg button.reaction").length === 2 && !!document.querySelector("li.msg button.comments")`)
	waitText(t, owner, `li.msg button.comments`, "نظرها")
	screenshot(t, owner, "channel-fa.png")
	drive(t, owner, click(`button.newgroup`), click(`.newgroup-panel button.kind-channel`), chromedp.WaitVisible(chromedp.CSS(`.newgroup-panel input[name=username]`)))
	waitText(t, owner, `.newgroup-panel h2`, "کانال تازه")
	screenshot(t, owner, "new-channel-fa.png")
	drive(t, owner, click(`.panel button.close`))
	openManage(t, owner)
	waitText(t, owner, `.admin-panel .tabs`, "مشترکان")
	screenshot(t, owner, "channel-admin-fa.png")
	drive(t, owner, click(`.admin-panel .tab-members`))
	waitText(t, owner, `.admin-members`, "علی")
	drive(t, owner, click(`.panel button.close`))

	openChat(t, owner, "باشگاه کتاب")
	waitText(t, owner, `main.conversation header .subtitle`, "حالت آهسته ۱ دقیقه")
	openManage(t, owner)
	waitText(t, owner, `.admin-panel h2`, "مدیریت")
	screenshot(t, owner, "group-admin-fa.png")
	drive(t, owner, click(`.admin-panel .tab-links`))
	waitText(t, owner, `.invites`, "برای خبرنامه")
	waitText(t, owner, `.invites`, "با تأیید مدیر")
	screenshot(t, owner, "admin-links-fa.png")
	drive(t, owner, click(`.admin-panel .tab-requests`))
	waitText(t, owner, `.requests`, "سارا")
	screenshot(t, owner, "admin-requests-fa.png")
	drive(t, owner, click(`.admin-panel .tab-members`))
	waitText(t, owner, `.admin-members li[data-user=ali_fa] .member-restricted`, "محدود (فرستادن پیام، فرستادن رسانه)")
	waitText(t, owner, `.admin-members li[data-user=zahra_fa] .member-rights`, "اختیارات: دعوت دیگران، سنجاق کردن پیام، پاک کردن پیام‌های دیگران")
	waitText(t, owner, `.banned-list`, "رضا")
	drive(t, owner, click(`.admin-members li[data-user=ali_fa] button.restrict`), chromedp.WaitVisible(chromedp.CSS(`.restrict-editor`)))
	screenshot(t, owner, "admin-members-fa.png")
	if bad := unlabelled(t, owner); len(bad) > 0 {
		t.Fatalf("controls without a label: %q", bad)
	}
	drive(t, owner, click(`.admin-panel .tab-log`))
	waitJS(t, owner, plain(`document.querySelector(".admin-log").textContent`)+`.includes("مهسا، رضا را برای همیشه محروم کرد")`)
	waitJS(t, owner, plain(`document.querySelector(".admin-log").textContent`)+`.includes("مهسا تنظیمات را تغییر داد: حالت آهسته ۱ دقیقه")`)
	screenshot(t, owner, "admin-log-fa.png")

	// A member in slow mode, in Persian.
	member := browser(t)
	drive(t, member, chromedp.Navigate(srv.URL), chromedp.WaitVisible(chromedp.CSS(`form.signin`)), click(`.signin-page button.lang`))
	signInBrowser(t, member, srv.URL, "nima_fa")
	openChat(t, member, "باشگاه کتاب")
	sendText(t, member, "من هم هستم!")
	waitText(t, member, `form.composer .slow-note`, "حالت آهسته: تا")
	screenshot(t, member, "slow-mode-fa.png")
	_ = nc

	// A visitor on a phone: the invite link, search, a channel read from
	// outside and joined; in Persian and in English nothing is wider than
	// the screen.
	visitor := browserSized(t, 360, 740)
	signUpInBrowser(t, visitor, srv.URL, "bahar_fa")
	inPersian(t, visitor)
	drive(t, visitor, chromedp.Navigate("about:blank"), chromedp.Navigate(srv.URL+"/#/join/"+inv.Code), chromedp.WaitVisible(chromedp.CSS(`.invite-card`)))
	waitText(t, visitor, `.invite-card`, "باشگاه کتاب")
	waitText(t, visitor, `.invite-card button.join-invite`, "درخواست پیوستن")
	waitJS(t, visitor, noOverflow)
	screenshot(t, visitor, "invite-fa.png")
	drive(t, visitor, click(`.invite-view button.back`), chromedp.WaitVisible(chromedp.CSS(`nav.chats form.search input`)),
		typeIn(`nav.chats form.search input`, "کتاب"))
	waitText(t, visitor, `nav.chats ul.dir-chats`, "کتاب‌خانهٔ شهر")
	waitText(t, visitor, `nav.chats ul.public-posts`, "سمفونی مردگان")
	waitText(t, visitor, `nav.chats`, "کانال‌ها و گروه‌ها")
	waitJS(t, visitor, noOverflow)
	screenshot(t, visitor, "search-directory-fa.png")
	clickWhere(t, visitor, `ul.dir-chats button.dir-chat`, "کتاب‌خانهٔ شهر")
	waitText(t, visitor, `.chat-bar button.join`, "پیوستن به کانال")
	waitText(t, visitor, `ol.messages`, "نمایشگاه کتاب")
	waitJS(t, visitor, noOverflow)
	screenshot(t, visitor, "channel-preview-fa.png")
	drive(t, visitor, click(`.chat-bar button.join`))
	waitText(t, visitor, `.chat-bar button.mute`, "بی‌صدا کردن")
	waitJS(t, visitor, noOverflow)
	screenshot(t, visitor, "phone-channel-fa.png")
	drive(t, visitor, click(`main.conversation header button.title`), chromedp.WaitVisible(chromedp.CSS(`.channel-info`)))
	waitText(t, visitor, `.channel-info`, "ketabkhane")
	waitJS(t, visitor, noOverflow+` && !document.querySelector(".channel-info button.manage")`)
	drive(t, visitor, click(`.panel button.close`), click(`button.back`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))

	// The owner's admin screens on a phone, in English and in Persian.
	phone := browserSized(t, 360, 740)
	signInBrowser(t, phone, srv.URL, "mahsa_fa")
	for _, fa := range []bool{false, true} {
		if fa {
			inPersian(t, phone)
		}
		for _, name := range []string{"کتاب‌خانهٔ شهر", "باشگاه کتاب"} {
			openChat(t, phone, name)
			waitJS(t, phone, `document.querySelectorAll("ol.messages li.msg").length > 0`)
			waitJS(t, phone, noOverflow)
			openManage(t, phone)
			for _, tab := range []string{"settings", "links", "requests", "members", "log"} {
				drive(t, phone, click(`.admin-panel .tab-`+tab))
				waitJS(t, phone, `document.querySelector(".admin-panel .tab-`+tab+`").getAttribute("aria-selected") === "true"`)
				time.Sleep(150 * time.Millisecond) // the tab's list loads
				waitJS(t, phone, noOverflow+` && document.querySelector(".admin-panel .body").scrollWidth <= document.querySelector(".admin-panel .body").clientWidth`)
			}
			if fa && name == "باشگاه کتاب" {
				drive(t, phone, click(`.admin-panel .tab-members`), chromedp.WaitVisible(chromedp.CSS(`.admin-members li[data-user=ali_fa]`)))
				screenshot(t, phone, "phone-admin-fa.png")
			} else if !fa && name == "باشگاه کتاب" {
				drive(t, phone, click(`.admin-panel .tab-members`), chromedp.WaitVisible(chromedp.CSS(`.admin-members li[data-user=ali_fa]`)))
				screenshot(t, phone, "phone-admin-en.png")
			}
			drive(t, phone, click(`.panel button.close`), click(`button.back`), chromedp.WaitVisible(chromedp.CSS(`nav.chats`)))
		}
	}
}
