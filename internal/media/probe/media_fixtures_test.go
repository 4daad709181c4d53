package probe

import (
	"bytes"
	"image/color"
	"testing"
)

// The container fixtures, used by the tests and as fuzz seeds.

// mp4Fixture is an MP4 as cameras write it: ftyp, moov (mvhd version 0,
// a 640×360 video track, an audio track), mdat. 12.345 s.
func mp4Fixture() []byte {
	return bytes.Join([][]byte{
		ftyp("isom", "isom", "iso2", "avc1", "mp41"),
		mp4Box("moov",
			mvhd(0, 1000, 12345),
			trak(tkhd(0, 640, 360, identity), "vide"),
			trak(tkhd(0, 0, 0, identity), "soun"),
			mp4Box("udta", mp4Box("meta"), []byte{0, 0, 0, 0}),
		),
		mp4Box("mdat", bytes.Repeat([]byte{0xAB}, 100)),
	}, nil)
}

// mp4MoovLast is an MP4 as streaming-unfriendly muxers write it: a 64-bit
// mdat before the moov, mvhd version 1, and a 1920×1080 video track turned
// a quarter (a phone's portrait video). 5 h 0.5 s. It returns where mdat's
// payload is, which the parser must not read.
func mp4MoovLast() (file []byte, mdatStart, mdatEnd int64) {
	head := bytes.Join([][]byte{ftyp("mp42", "mp42", "isom"), mp4Box("free")}, nil)
	mdat := mp4Box64("mdat", bytes.Repeat([]byte{0xCD}, 1000))
	moov := mp4Box("moov",
		mvhd(1, 90000, 90000*(5*3600)+45000),
		trak(tkhd(1, 1920, 1080, quarterTurn), "vide"),
		trak(tkhd(1, 0, 0, identity), "soun"))
	file = bytes.Join([][]byte{head, mdat, moov}, nil)
	return file, int64(len(head) + 16), int64(len(head) + len(mdat))
}

// webmFixture is a WebM as a file muxer writes it: sizes known, a Duration
// of 12345.0 ms, a 1280×720 video track and an audio track.
func webmFixture() []byte {
	return bytes.Join([][]byte{
		ebmlHeader("webm"),
		ebml(idSegment,
			ebml(0x114D9B74, ebml(0x4DBB, ebml(0x53AB, ebmlID(idInfo)), ebmlUint(0x53AC, 40))),
			ebml(idVoid, make([]byte, 20)),
			ebml(idInfo, ebmlUint(idTimecodeScale, 1_000_000), ebmlString(0x4D80, "test"), ebmlFloat64(idDuration, 12345)),
			ebml(idTracks, videoTrack(1280, 720), audioTrack()),
			ebml(idCluster, ebmlUint(idTimecode, 0), simpleBlock(0, []byte("frame")), simpleBlock(33, []byte("frame"))),
			ebml(0x1C53BB6B, ebml(0xBB, ebmlUint(0xB3, 0))), // Cues
		),
	}, nil)
}

// webmRecorder is a WebM as Chrome's MediaRecorder writes it: a Segment and
// Clusters of unknown size and no Duration. The first cluster holds blocks
// up to 32,000 ms; the second starts at 32,780 ms and its last block is at
// +1,220 ms, so the duration is 34 s. One frame holds the bytes of a Cluster
// ID, which the search from the end must not take for a cluster. With video,
// it has a 640×480 video track and the video's blocks come out of order.
func webmRecorder(video bool) []byte {
	tracks := [][]byte{audioTrack()}
	if video {
		tracks = append([][]byte{videoTrack(640, 480)}, tracks...)
	}
	var first [][]byte
	first = append(first, ebmlUint(idTimecode, 0))
	for rel := 0; rel <= 32000; rel += 1000 {
		first = append(first, simpleBlock(int16(rel), []byte{0xFC, 0xFF, 0xFE}))
	}
	second := [][]byte{
		ebmlUint(idTimecode, 32780),
		simpleBlock(0, []byte{0xFC, 1}),
		simpleBlock(1220, []byte{0xFC, 2}),
		simpleBlock(600, []byte{0x1F, 0x43, 0xB6, 0x75, 0x81, 0x00}), // out of order
		ebml(idBlockGroup, ebml(idBlock, []byte{0x81}, be16(1000), []byte{0}, []byte("b"))),
	}
	return bytes.Join([][]byte{
		ebmlHeader("webm"),
		ebmlUnknown(idSegment,
			ebml(idInfo, ebmlUint(idTimecodeScale, 1_000_000), ebmlString(0x4D80, "Chrome"), ebmlString(0x5741, "Chrome")),
			ebml(idTracks, tracks...),
			ebmlUnknown(idCluster, first...),
			ebmlUnknown(idCluster, second...),
		),
	}, nil)
}

// opusFixture is an Ogg Opus file: OpusHead (pre-skip 312), OpusTags, and
// audio pages ending at granule 312 + 7.5 s × 48,000.
func opusFixture() []byte {
	const serial = 0x1234
	audio := bytes.Repeat([]byte{0xFC, 0xFF}, 100)
	return bytes.Join([][]byte{
		oggPage(0x02, 0, serial, 0, opusHead(312)),
		oggPage(0, 0, serial, 1, []byte("OpusTags\x00\x00\x00\x00\x00\x00\x00\x00")),
		oggPage(0, 312+48000*3, serial, 2, audio, audio),
		oggPage(0x04, 312+48000*7+24000, serial, 3, audio),
	}, nil)
}

// vorbisFixture is an Ogg Vorbis file at 44,100 Hz ending at 3 s.
func vorbisFixture() []byte {
	const serial = 0xBEEF
	return bytes.Join([][]byte{
		oggPage(0x02, 0, serial, 0, vorbisHead(44100)),
		oggPage(0, 0, serial, 1, []byte("\x03vorbis"), []byte("\x05vorbis")),
		oggPage(0, 44100, serial, 2, make([]byte, 300)),
		oggPage(0x04, 44100*3, serial, 3, make([]byte, 50)),
	}, nil)
}

// imageFixtures returns small images in the four formats.
func imageFixtures(t testing.TB) map[string][]byte {
	return map[string][]byte{
		"png":  encodePNG(t, quadrants(40, 30)),
		"jpeg": encodeJPEG(t, quadrants(64, 32)),
		"gif":  encodeGIF(t, quadrants(20, 10)),
		"webp": webpLossless(3, 2, color.NRGBA{10, 200, 30, 255}),
	}
}
