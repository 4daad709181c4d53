package api

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDecodeClientFrame feeds arbitrary WebSocket text frames to the frame
// decoder: it must never panic, and anything it accepts must re-encode.
func FuzzDecodeClientFrame(f *testing.F) {
	for _, seed := range []string{
		`{"type":"hello","token":"chp_x","pos":5}`,
		`{"type":"send","id":1,"chat_id":3,"client_id":"a","text":"سلام","reply_to":2}`,
		`{"type":"send","id":"x","chat_id":3,"client_id":"a","forward":{"chat_id":1,"seq":2}}`,
		`{"type":"read","id":2,"chat_id":3,"seq":9}`,
		`{"type":"typing","chat_id":3}`,
		`{"type":"ping","id":7}`,
		`{"type":"send","chat_id":"3"}`,
		`{"type":1}`, `[]`, `null`, `{`, "\xff", `{"type":"hello"} x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr clientFrame
		if err := decodeBytes(data, &fr); err != nil {
			return
		}
		if _, err := json.Marshal(fr); err != nil {
			t.Fatalf("accepted %q but cannot encode it: %v", data, err)
		}
	})
}

// FuzzDecodeRequests runs every HTTP request body type through the decoder.
func FuzzDecodeRequests(f *testing.F) {
	for _, seed := range []string{
		`{"username":"sara_1","password":"password1","display_name":"Sara","device":"x"}`,
		`{"phone":"+989121234567","code":"123456"}`,
		`{"client_id":"a","text":"hi","reply_to":1,"forward":{"chat_id":1,"seq":2}}`,
		`{"type":"group","title":"t","members":[1,2,3]}`,
		`{"user_ids":[1,2]}`, `{"role":"admin"}`, `{"seq":5}`, `{"title":"x"}`,
		`{"display_name":null,"bio":"b"}`, `{"members":[1e100]}`, `{"seq":-1}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets := []any{
			&struct {
				Username, Password, DisplayName, Device string
			}{},
			&sendBody{},
			&struct {
				Type    string  `json:"type"`
				UserID  int64   `json:"user_id"`
				Title   string  `json:"title"`
				Members []int64 `json:"members"`
			}{},
			&struct {
				UserIDs []int64 `json:"user_ids"`
			}{},
			&struct {
				DisplayName *string `json:"display_name"`
				Bio         *string `json:"bio"`
				Username    *string `json:"username"`
			}{},
		}
		for _, v := range targets {
			_ = decodeBytes(data, v) // must not panic
		}
	})
}

// FuzzUploadMetadata: tus's Upload-Metadata header, as a client sends it.
func FuzzUploadMetadata(f *testing.F) {
	for _, seed := range []string{"", "kind cGhvdG8=,filename YS5wbmc=", "kind", " , ", "a !!!", "k  dg==", strings.Repeat("k dg==,", 700)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		md, err := parseMetadata(v)
		if err == nil && len(v) > 4096 {
			t.Fatalf("a %d-byte header was taken", len(v))
		}
		for k := range md {
			if k == "" {
				t.Fatal("an empty key was taken")
			}
		}
	})
}
