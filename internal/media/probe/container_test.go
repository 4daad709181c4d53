package probe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"testing"
	"time"
)

// countingFile is a file of size bytes made of head, zeros and tail, that
// counts what is read of it and fails a read touching [noFrom, noTo).
type countingFile struct {
	t              *testing.T
	head, tail     []byte
	size           int64
	noFrom, noTo   int64
	reads, readLen int64
}

func (f *countingFile) ReadAt(p []byte, off int64) (int, error) {
	f.reads++
	if off < 0 || off >= f.size {
		return 0, io.EOF
	}
	n := len(p)
	if int64(n) > f.size-off {
		n = int(f.size - off)
	}
	if off < f.noTo && off+int64(n) > f.noFrom {
		f.t.Errorf("read of [%d, %d) touches the forbidden [%d, %d)", off, off+int64(n), f.noFrom, f.noTo)
	}
	f.readLen += int64(n)
	tailStart := f.size - int64(len(f.tail))
	for i := range n {
		pos := off + int64(i)
		switch {
		case pos < int64(len(f.head)):
			p[i] = f.head[pos]
		case pos >= tailStart:
			p[i] = f.tail[pos-tailStart]
		default:
			p[i] = 0
		}
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestMP4(t *testing.T) {
	moovLast, _, _ := mp4MoovLast()
	cases := []struct {
		name string
		file []byte
		want Info
	}{
		{"moov first, mvhd v0", mp4Fixture(), Info{Width: 640, Height: 360, Duration: 12345 * time.Millisecond, HasVideo: true, HasAudio: true}},
		{"moov last, mvhd v1, 64-bit mdat, turned", moovLast, Info{Width: 1080, Height: 1920, Duration: 5*time.Hour + 500*time.Millisecond, HasVideo: true, HasAudio: true}},
		{"mdat of size 0 (to the end)", bytes.Join([][]byte{
			ftyp("isom"), mp4Box("moov", mvhd(0, 600, 1800), trak(tkhd(0, 320, 240, identity), "vide")),
			be32(0), []byte("mdat"), bytes.Repeat([]byte{1}, 50)}, nil),
			Info{Width: 320, Height: 240, Duration: 3 * time.Second, HasVideo: true}},
		{"audio only (m4a)", bytes.Join([][]byte{ftyp("M4A ", "M4A ", "mp42"), mp4Box("moov", mvhd(0, 44100, 44100*90), trak(tkhd(0, 0, 0, identity), "soun"))}, nil),
			Info{Duration: 90 * time.Second, HasAudio: true}},
		{"tkhd v1 and hdlr before tkhd", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(1, 1000, 2500),
			mp4Box("trak", mp4Box("mdia", hdlr("vide")), tkhd(1, 1280, 720, identity)))}, nil),
			Info{Width: 1280, Height: 720, Duration: 2500 * time.Millisecond, HasVideo: true}},
		{"first video track's size", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1000, 1000),
			trak(tkhd(0, 100, 50, identity), "vide"), trak(tkhd(0, 200, 100, identity), "vide"))}, nil),
			Info{Width: 100, Height: 50, Duration: time.Second, HasVideo: true}},
		{"unknown duration", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1000, 0xFFFFFFFF))}, nil), Info{}},
		{"timescale 0", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 0, 1000))}, nil), Info{}},
		{"fragmented, duration in mehd", bytes.Join([][]byte{ftyp("iso5", "iso5", "dash"), mp4Box("moov", mvhd(0, 1000, 0),
			mp4Box("mvex", fullBox("mehd", 1, be64(61_500)), fullBox("trex", 0, make([]byte, 20))),
			trak(tkhd(0, 0, 0, identity), "soun")), mp4Box("moof"), mp4Box("mdat")}, nil),
			Info{Duration: 61500 * time.Millisecond, HasAudio: true}},
		{"no ftyp (old QuickTime)", mp4Box("moov", mvhd(0, 600, 600)), Info{Duration: time.Second}},
	}
	for _, c := range cases {
		got, err := MP4(bytes.NewReader(c.file), int64(len(c.file)))
		if err != nil || got != c.want {
			t.Errorf("%s: MP4 = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// TestMP4SkipsMdat checks that the payload of an mdat before the moov is
// never read, and that a large file costs a few small reads.
func TestMP4SkipsMdat(t *testing.T) {
	file, from, to := mp4MoovLast()
	f := &countingFile{t: t, head: file, size: int64(len(file)), noFrom: from, noTo: to}
	if _, err := MP4(f, f.size); err != nil {
		t.Fatal(err)
	}

	// A 4 GB mdat before the moov.
	head := bytes.Join([][]byte{ftyp("isom"), be32(1), []byte("mdat"), be64(4 << 30)}, nil)
	moov := mp4Box("moov", mvhd(0, 1000, 60_000), trak(tkhd(0, 640, 480, identity), "vide"))
	f = &countingFile{t: t, head: head, tail: moov, size: int64(len(head)) + 4<<30 - 16 + int64(len(moov)),
		noFrom: int64(len(head)), noTo: int64(len(head)) + 4<<30 - 16}
	info, err := MP4(f, f.size)
	if err != nil || info != (Info{Width: 640, Height: 480, Duration: time.Minute, HasVideo: true}) {
		t.Errorf("MP4 = %+v, %v", info, err)
	}
	if f.reads > 10 || f.readLen > 2000 {
		t.Errorf("%d reads of %d bytes in all", f.reads, f.readLen)
	}
}

func TestMP4Malformed(t *testing.T) {
	good := mp4Fixture()
	moovAt := int64(bytes.Index(good, []byte("moov")) - 4)
	manyBoxes := bytes.Repeat(mp4Box("free"), maxElements+1)
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"junk", []byte("this is not an mp4 file, just words"), ErrMalformed},
		{"no moov", bytes.Join([][]byte{ftyp("isom"), mp4Box("mdat", []byte("x"))}, nil), ErrMalformed},
		{"no mvhd", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", trak(tkhd(0, 1, 1, identity), "vide"))}, nil), ErrMalformed},
		{"truncated moov", good[:moovAt+60], ErrMalformed},
		{"box of size 4", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1, 1), be32(4), []byte("free"))}, nil), ErrMalformed},
		{"box overrunning moov", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1, 1), be32(100), []byte("trak"))}, nil), ErrMalformed},
		{"64-bit size beyond the file", bytes.Join([][]byte{ftyp("isom"), be32(1), []byte("mdat"), be64(1 << 62)}, nil), ErrMalformed},
		{"64-bit size of all ones", bytes.Join([][]byte{ftyp("isom"), be32(1), []byte("mdat"), be64(math.MaxUint64)}, nil), ErrMalformed},
		{"64-bit size below its header", bytes.Join([][]byte{ftyp("isom"), be32(1), []byte("mdat"), be64(8)}, nil), ErrMalformed},
		{"short mvhd", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", fullBox("mvhd", 0, make([]byte, 10)))}, nil), ErrMalformed},
		{"short tkhd", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1, 1), mp4Box("trak", fullBox("tkhd", 0, make([]byte, 40))))}, nil), ErrMalformed},
		{"short hdlr", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1, 1), mp4Box("trak", mp4Box("mdia", fullBox("hdlr", 0, be32(0)))))}, nil), ErrMalformed},
		{"mvhd version 2", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", fullBox("mvhd", 2, make([]byte, 100)))}, nil), ErrUnsupported},
		{"duration out of range", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(1, 1, math.MaxUint64-1))}, nil), ErrMalformed},
		{"too many top-level boxes", append(ftyp("isom"), manyBoxes...), ErrMalformed},
		{"too many boxes in moov", bytes.Join([][]byte{ftyp("isom"), mp4Box("moov", mvhd(0, 1, 1), manyBoxes)}, nil), ErrMalformed},
	}
	for _, c := range cases {
		info, err := MP4(bytes.NewReader(c.file), int64(len(c.file)))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: MP4 = %+v, %v; want %v", c.name, info, err, c.want)
		}
	}
	if _, err := MP4(bytes.NewReader(good), -1); !errors.Is(err, ErrMalformed) {
		t.Errorf("negative size: %v", err)
	}
	// A size larger than the content: the reads past its end fail cleanly.
	if _, err := MP4(bytes.NewReader(good[:moovAt+60]), int64(len(good))); !errors.Is(err, ErrMalformed) {
		t.Errorf("size beyond the content: %v", err)
	}
}

func TestWebM(t *testing.T) {
	cases := []struct {
		name string
		file []byte
		want Info
	}{
		{"file muxer, float64 Duration", webmFixture(), Info{Width: 1280, Height: 720, Duration: 12345 * time.Millisecond, HasVideo: true, HasAudio: true}},
		{"float32 Duration, default TimecodeScale, matroska", bytes.Join([][]byte{ebmlHeader("matroska"), ebml(idSegment,
			ebml(idInfo, ebmlFloat32(idDuration, 2500)), ebml(idTracks, audioTrack()))}, nil),
			Info{Duration: 2500 * time.Millisecond, HasAudio: true}},
		{"TimecodeScale in microseconds", bytes.Join([][]byte{ebmlHeader("webm"), ebml(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1000), ebmlFloat64(idDuration, 1_500_000)), ebml(idTracks, videoTrack(64, 48)))}, nil),
			Info{Width: 64, Height: 48, Duration: 1500 * time.Millisecond, HasVideo: true}},
		{"MediaRecorder audio", webmRecorder(false), Info{Duration: 34 * time.Second, HasAudio: true}},
		{"MediaRecorder video", webmRecorder(true), Info{Width: 640, Height: 480, Duration: 34 * time.Second, HasVideo: true, HasAudio: true}},
		{"MediaRecorder, known-size clusters", bytes.Join([][]byte{ebmlHeader("webm"), ebmlUnknown(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1_000_000)), ebml(idTracks, audioTrack()),
			ebml(idCluster, ebmlUint(idTimecode, 0), simpleBlock(0, []byte{1}), simpleBlock(500, []byte{1})),
			ebml(idCluster, ebml(idCRC32, make([]byte, 4)), ebmlUint(idTimecode, 1000), simpleBlock(0, []byte{1}), simpleBlock(750, []byte{1})),
			ebml(0x1C53BB6B, ebml(0xBB)))}, nil),
			Info{Duration: 1750 * time.Millisecond, HasAudio: true}},
		{"no Duration and no clusters", bytes.Join([][]byte{ebmlHeader("webm"), ebmlUnknown(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1_000_000)), ebml(idTracks, audioTrack()))}, nil),
			Info{HasAudio: true}},
		{"padding before the Segment", bytes.Join([][]byte{ebmlHeader("webm"), ebml(idVoid, make([]byte, 3)), ebml(idSegment,
			ebml(idInfo, ebmlFloat64(idDuration, 1000)))}, nil), Info{Duration: time.Second}},
		{"truncated in a cluster", webmFixture()[:len(webmFixture())-30], Info{Width: 1280, Height: 720, Duration: 12345 * time.Millisecond, HasVideo: true, HasAudio: true}},
	}
	for _, c := range cases {
		got, err := WebM(bytes.NewReader(c.file), int64(len(c.file)))
		if err != nil || got != c.want {
			t.Errorf("%s: WebM = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
}

// TestWebMLastClusterSearch checks the ways to the last cluster of a live
// recording: from the end, forward from the first cluster when the end is
// too far, and giving up (duration unknown, no error) when the clusters
// have more elements than allowed.
func TestWebMLastClusterSearch(t *testing.T) {
	rec := webmRecorder(true)
	for _, tail := range []int64{webmTail, 40, 8, 0} {
		info, err := webm(bytes.NewReader(rec), int64(len(rec)), tail)
		if err != nil || info.Duration != 34*time.Second {
			t.Errorf("tail %d: %+v, %v", tail, info, err)
		}
	}

	// Junk full of Cluster IDs after the last cluster: the search from the
	// end gives up after maxCandidates, and the walk from the first
	// cluster finds the duration.
	junk := append(bytes.Clone(rec), bytes.Repeat(ebmlID(idCluster), 3*maxCandidates)...)
	start := time.Now()
	info, err := WebM(bytes.NewReader(junk), int64(len(junk)))
	if err != nil || info.Duration != 34*time.Second || time.Since(start) > time.Second {
		t.Errorf("junk after the clusters: %+v, %v in %v", info, err, time.Since(start))
	}

	// One cluster of n blocks, the last at n × 2 ms.
	cluster := func(n int) []byte {
		blocks := [][]byte{ebmlUint(idTimecode, 100)}
		for i := 1; i <= n; i++ {
			blocks = append(blocks, simpleBlock(int16(2*i), []byte{0xFC}))
		}
		return bytes.Join([][]byte{ebmlHeader("webm"), ebmlUnknown(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1_000_000)), ebml(idTracks, audioTrack()),
			ebmlUnknown(idCluster, blocks...))}, nil)
	}
	for _, c := range []struct {
		blocks int
		tail   int64
		want   time.Duration
	}{
		{9000, webmTail, 18100 * time.Millisecond},
		{9000, 10, 18100 * time.Millisecond},
		{maxElements + 1, webmTail, 0},
		{maxElements + 1, 10, 0},
	} {
		file := cluster(c.blocks)
		info, err := webm(bytes.NewReader(file), int64(len(file)), c.tail)
		if err != nil || info != (Info{Duration: c.want, HasAudio: true}) {
			t.Errorf("%d blocks, tail %d: %+v, %v; want %v", c.blocks, c.tail, info, err, c.want)
		}
	}
}

// TestWebMReadsLittle checks that a WebM with a Duration costs a few reads
// whatever its size, and that a live recording's frames are not read but
// for the last cluster's.
func TestWebMReadsLittle(t *testing.T) {
	head := bytes.Join([][]byte{ebmlHeader("webm"), ebmlID(idSegment), ebmlSize(1 << 40),
		ebml(idInfo, ebmlFloat64(idDuration, 3_600_000)), ebml(idTracks, videoTrack(1920, 1080)),
		ebmlID(idCluster), ebmlSize(1<<40 - 200)}, nil)
	f := &countingFile{t: t, head: head, size: 1<<40 + 100}
	info, err := WebM(f, f.size)
	if err != nil || info != (Info{Width: 1920, Height: 1080, Duration: time.Hour, HasVideo: true}) {
		t.Errorf("WebM = %+v, %v", info, err)
	}
	if f.reads > 3 || f.readLen > 1<<17 {
		t.Errorf("%d reads of %d bytes in all", f.reads, f.readLen)
	}

	// A live recording of 1 GB: the last cluster is found from the end.
	rec := webmRecorder(false)
	last := bytes.LastIndex(rec, ebmlID(idCluster))
	f = &countingFile{t: t, head: rec[:last], tail: rec[last:], size: 1 << 30}
	info, err = WebM(f, f.size)
	if err != nil || info.Duration != 34*time.Second {
		t.Errorf("WebM = %+v, %v", info, err)
	}
	if f.readLen > webmTail+3*window {
		t.Errorf("%d bytes read", f.readLen)
	}
}

func TestWebMMalformed(t *testing.T) {
	good := webmFixture()
	tracksAt := bytes.Index(good, ebmlID(idTracks))
	segment := func(parts ...[]byte) []byte {
		return append(ebmlHeader("webm"), ebml(idSegment, parts...)...)
	}
	manyVoids := bytes.Repeat(ebml(idVoid), maxElements+1)
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"not EBML", []byte("RIFF0000WEBPVP8 "), ErrUnsupported},
		{"other document type", append(ebmlHeader("xdoc"), ebml(idSegment)...), ErrUnsupported},
		{"no Segment", ebmlHeader("webm"), ErrMalformed},
		{"something else than a Segment", append(ebmlHeader("webm"), ebml(idInfo)...), ErrMalformed},
		{"empty Segment", segment(), ErrMalformed},
		{"truncated Tracks", good[:tracksAt+20], ErrMalformed},
		{"NaN Duration", segment(ebml(idInfo, ebmlFloat64(idDuration, math.NaN()))), ErrMalformed},
		{"negative Duration", segment(ebml(idInfo, ebmlFloat64(idDuration, -1))), ErrMalformed},
		{"huge Duration", segment(ebml(idInfo, ebmlUint(idTimecodeScale, 1e9), ebmlFloat64(idDuration, 1e300))), ErrMalformed},
		{"3-byte Duration", segment(ebml(idInfo, ebml(idDuration, []byte{1, 2, 3}))), ErrMalformed},
		{"9-byte integer", segment(ebml(idInfo, ebml(idTimecodeScale, make([]byte, 9)))), ErrMalformed},
		{"child overrunning its parent", segment(append(ebmlID(idInfo), 0x83, 0x2A, 0xD7, 0xB1, 0x88)), ErrMalformed},
		{"unknown-size child", segment(ebml(idTracks, ebmlUnknown(idTrackEntry))), ErrMalformed},
		{"bad ID", segment(ebml(idInfo, []byte{0x00, 0x81, 0x00})), ErrMalformed},
		{"bad size", segment(ebml(idInfo, []byte{0xEC, 0x00})), ErrMalformed},
		{"too many elements", segment(ebml(idInfo, manyVoids)), ErrMalformed},
		{"huge pixel width", segment(ebml(idTracks, videoTrack(1<<40, 1))), ErrMalformed},
		{"long DocType", append(ebml(idEBML, ebmlString(idDocType, string(make([]byte, 100)))), ebml(idSegment)...), ErrMalformed},
		{"timecode out of range", bytes.Join([][]byte{ebmlHeader("webm"), ebmlUnknown(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1e9)), ebml(idTracks, audioTrack()),
			ebmlUnknown(idCluster, ebmlUint(idTimecode, 1<<60), simpleBlock(1, []byte{1})))}, nil), ErrMalformed},
	}
	for _, c := range cases {
		info, err := WebM(bytes.NewReader(c.file), int64(len(c.file)))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: WebM = %+v, %v; want %v", c.name, info, err, c.want)
		}
	}
}

func TestOggCRC(t *testing.T) {
	// The check value of this CRC (CRC-32/POSIX without its final
	// inversion): 0x765E7680 ^ 0xFFFFFFFF.
	const check = 0x89A1897F
	if got := oggCRC(0, []byte("123456789")); got != check {
		t.Errorf("oggCRC = %#08x, want %#08x", got, check)
	}
	if got := refOggCRC([]byte("123456789")); got != check {
		t.Errorf("refOggCRC = %#08x, want %#08x", got, check)
	}
	page := opusFixture()[:47]
	if got, want := oggPageCRC(page), uint32(page[22])|uint32(page[23])<<8|uint32(page[24])<<16|uint32(page[25])<<24; got != want {
		t.Errorf("oggPageCRC = %#08x, want %#08x", got, want)
	}
}

func TestOgg(t *testing.T) {
	opus, vorbis := opusFixture(), vorbisFixture()
	other := oggPage(0x02, 0, 0x9999, 0, []byte("\x80theora"))
	lastOther := oggPage(0x04, 1<<40, 0x9999, 1, []byte("frame"))
	badCRCLast := bytes.Clone(opus)
	badCRCLast[len(badCRCLast)-1] ^= 0xFF
	cases := []struct {
		name string
		file []byte
		want time.Duration
	}{
		{"opus", opus, 7500 * time.Millisecond},
		{"vorbis", vorbis, 3 * time.Second},
		{"the last page's CRC is not checked", badCRCLast, 7500 * time.Millisecond},
		{"another stream's page last", append(bytes.Clone(opus), lastOther...), 7500 * time.Millisecond},
		{"multiplexed, opus first", bytes.Join([][]byte{opus[:47], other, opus[47:], lastOther}, nil), 7500 * time.Millisecond},
		{"last page without a granule", append(bytes.Clone(opus), oggPage(0, math.MaxUint64, 0x1234, 9, []byte("x"))...), 7500 * time.Millisecond},
		{"junk after the end", append(bytes.Clone(opus), "OggS\x01junk, not a page"...), 7500 * time.Millisecond},
		{"page cut at the end", append(bytes.Clone(opus), oggPage(0, 1<<30, 0x1234, 9, make([]byte, 100))[:60]...), 7500 * time.Millisecond},
		{"header page only", oggPage(0x02, 0, 1, 0, opusHead(312)), 0},
		{"granule below the pre-skip", append(oggPage(0x02, 0, 1, 0, opusHead(312)), oggPage(0, 100, 1, 1, []byte("x"))...), 0},
		{"last page beyond 64 KB of junk", append(bytes.Clone(opus), make([]byte, 70_000)...), 0},
	}
	for _, c := range cases {
		info, err := Ogg(bytes.NewReader(c.file), int64(len(c.file)))
		if err != nil || info != (Info{Duration: c.want, HasAudio: true}) {
			t.Errorf("%s: Ogg = %+v, %v; want %v", c.name, info, err, c.want)
		}
	}

	// A 1 GB file costs two reads: the first page and the last 64 KB.
	f := &countingFile{t: t, head: opus[:47], tail: opus[47:], size: 1 << 30}
	if info, err := Ogg(f, f.size); err != nil || info.Duration != 7500*time.Millisecond {
		t.Errorf("large Ogg: %+v, %v", info, err)
	}
	if f.reads > 2 || f.readLen > 2*window {
		t.Errorf("%d reads of %d bytes", f.reads, f.readLen)
	}
}

func TestOggMalformed(t *testing.T) {
	opus := opusFixture()
	badCRC := bytes.Clone(opus)
	badCRC[30] ^= 1
	notBOS := bytes.Clone(opus)
	notBOS[5] = 0
	cases := []struct {
		name string
		file []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"not Ogg", []byte("ID3\x04\x00\x00\x00\x00\x00\x00 and some more bytes"), ErrUnsupported},
		{"bad CRC on the first page", badCRC, ErrMalformed},
		{"first page not a stream start", notBOS, ErrMalformed},
		{"version 1", func() []byte { b := oggPage(0x02, 0, 1, 0, opusHead(0)); b[4] = 1; return b }(), ErrMalformed},
		{"truncated first page", opus[:40], ErrMalformed},
		{"speex", oggPage(0x02, 0, 1, 0, []byte("Speex   1.2")), ErrUnsupported},
		{"short OpusHead", oggPage(0x02, 0, 1, 0, []byte("OpusHead\x01")), ErrMalformed},
		{"short Vorbis header", oggPage(0x02, 0, 1, 0, []byte("\x01vorbis\x00")), ErrMalformed},
		{"Vorbis rate 0", oggPage(0x02, 0, 1, 0, vorbisHead(0)), ErrMalformed},
		{"header packet over the page", oggRawPage(0x02, 0, 1, 0, bytes.Repeat([]byte{255}, 255), make([]byte, 255*255)), ErrMalformed},
		{"granule out of range", append(oggPage(0x02, 0, 1, 0, vorbisHead(1)), oggPage(0, 1<<62, 1, 1, []byte("x"))...), ErrMalformed},
	}
	for _, c := range cases {
		info, err := Ogg(bytes.NewReader(c.file), int64(len(c.file)))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Ogg = %+v, %v; want %v", c.name, info, err, c.want)
		}
	}
}

// ExampleProbe shows the way an upload is checked: sniff the head, check
// the kind, probe the metadata, check it fits the kind.
func ExampleProbe() {
	file := opusFixture() // a voice message recorded by a browser
	mime := Sniff(file)
	if err := Check(Voice, "audio/ogg; codecs=opus", mime); err != nil {
		fmt.Println(err)
		return
	}
	info, err := Probe(mime, bytes.NewReader(file), int64(len(file)))
	if err == nil {
		err = CheckInfo(Voice, info)
	}
	fmt.Println(mime, info.Duration, err)
	// Output: audio/ogg 7.5s <nil>
}
