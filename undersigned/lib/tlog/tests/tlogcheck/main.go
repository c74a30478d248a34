// Command tlogcheck verifies a log written by undersigned's Python code with an implementation
// we did not write: the Go checksum database's golang.org/x/mod/sumdb/tlog and sumdb/note.
//
// It reads a directory served as C2SP tlog-tiles (checkpoint, tile/<L>/<N>, tile/entries/<N>)
// and a proofs.json, and checks: the log's signature on the checkpoint (note.Open); each
// witness cosignature (c2sp.org/tlog-cosignature v1, with crypto/ed25519, since x/mod/note
// has no type 0x04); every tile Go asks for, at the path the C2SP spec gives; that the tree
// hash of the tiles is the checkpoint's root; that every entry hashes to its level-0 hash;
// and that our inclusion and consistency proofs equal Go's own (ProveRecord/ProveTree) and
// pass CheckRecord/CheckTree. Any failure prints a reason and exits 1.
//
// Build offline against Debian's golang-golang-x-mod-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o tlogcheck .
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type proofs struct {
	Inclusion []struct {
		Index int64       `json:"index"`
		Size  int64       `json:"size"`
		Root  tlog.Hash   `json:"root"`
		Proof []tlog.Hash `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		Old     int64       `json:"old"`
		New     int64       `json:"new"`
		OldRoot tlog.Hash   `json:"old_root"`
		NewRoot tlog.Hash   `json:"new_root"`
		Proof   []tlog.Hash `json:"proof"`
	} `json:"consistency"`
}

// tileDir serves tiles from a C2SP directory: Go's paths carry the tile height
// ("tile/8/0/..." and "tile/8/data/..."), C2SP's do not ("tile/0/..", "tile/entries/..").
type tileDir struct{ root string }

func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

func (d tileDir) Height() int { return 8 }

func (d tileDir) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, err := os.ReadFile(filepath.Join(d.root, c2spPath(t)))
		if err != nil {
			return nil, fmt.Errorf("tile %s: %w", c2spPath(t), err)
		}
		out[i] = data
	}
	return out, nil
}

func (d tileDir) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tlogcheck: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	dir := flag.String("dir", "", "directory holding checkpoint, tile/ and proofs.json")
	vkey := flag.String("vkey", "", "the log's verifier key")
	witnesses := flag.String("witness", "", "comma-separated cosigner keys (type 0x04) to require")
	flag.Parse()

	signed, err := os.ReadFile(filepath.Join(*dir, "checkpoint"))
	if err != nil {
		fail("%v", err)
	}
	verifier, err := note.NewVerifier(*vkey)
	if err != nil {
		fail("log key: %v", err)
	}
	n, err := note.Open(signed, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint signature: %v", err)
	}
	fmt.Printf("OK note.Open: checkpoint signed by %s\n", n.Sigs[0].Name)
	for _, w := range strings.Split(*witnesses, ",") {
		if w != "" {
			checkCosignature(n, w)
		}
	}
	tree := parseCheckpoint(n.Text)
	hr := tlog.TileHashReader(tree, tileDir{*dir})
	th, err := tlog.TreeHash(tree.N, hr)
	if err != nil || th != tree.Hash {
		fail("tree hash from tiles %v != checkpoint root %v (%v)", th, tree.Hash, err)
	}
	fmt.Printf("OK tlog.TreeHash over our tiles equals the checkpoint root at size %d\n", tree.N)
	checkEntries(*dir, tree, hr)
	checkProofs(*dir, tree, hr)
}

func parseCheckpoint(text string) tlog.Tree {
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("checkpoint text is not at least three newline-terminated lines")
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("bad tree size %q", lines[1])
	}
	hash, err := tlog.ParseHash(lines[2])
	if err != nil {
		fail("bad root hash %q", lines[2])
	}
	return tlog.Tree{N: size, Hash: hash}
}

func checkCosignature(n *note.Note, vkey string) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		fail("bad witness key %q", vkey)
	}
	material, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(material) != 33 || material[0] != 0x04 {
		fail("witness key %q is not an Ed25519 cosignature key", vkey)
	}
	pub := ed25519.PublicKey(material[1:])
	sum := sha256.Sum256(append([]byte(parts[0]+"\n\x04"), pub...))
	id := binary.BigEndian.Uint32(sum[:4])
	if fmt.Sprintf("%08x", id) != parts[1] {
		fail("witness key %q: key ID does not match", vkey)
	}
	for _, sig := range n.UnverifiedSigs {
		if sig.Name != parts[0] || sig.Hash != id {
			continue
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Base64)
		if err != nil || len(raw) != 4+8+64 {
			fail("cosignature by %s is malformed", sig.Name)
		}
		ts := binary.BigEndian.Uint64(raw[4:12])
		msg := []byte(fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, n.Text))
		if ts >= 1<<63 || !ed25519.Verify(pub, msg, raw[12:]) {
			fail("cosignature by %s does not verify", sig.Name)
		}
		fmt.Printf("OK crypto/ed25519: cosignature v1 by %s at time %d\n", sig.Name, ts)
		return
	}
	fail("no cosignature by %s", parts[0])
}

func checkEntries(dir string, tree tlog.Tree, hr tlog.HashReader) {
	var index int64
	for index < tree.N {
		width := tree.N - index
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: -1, N: index / 256, W: int(width)}
		data, err := os.ReadFile(filepath.Join(dir, c2spPath(tile)))
		if err != nil {
			fail("entry bundle: %v", err)
		}
		var stored []int64
		var records [][]byte
		for len(data) > 0 {
			size := 0
			if len(data) >= 2 {
				size = int(binary.BigEndian.Uint16(data))
			}
			if len(data) < 2+size {
				fail("entry bundle %s is truncated", c2spPath(tile))
			}
			stored = append(stored, tlog.StoredHashIndex(0, index+int64(len(records))))
			records = append(records, data[2:2+size])
			data = data[2+size:]
		}
		if int64(len(records)) != width {
			fail("entry bundle %s holds %d entries, not %d", c2spPath(tile), len(records), width)
		}
		want, err := hr.ReadHashes(stored)
		if err != nil {
			fail("level-0 hashes: %v", err)
		}
		for i, record := range records {
			if tlog.RecordHash(record) != want[i] {
				fail("entry %d does not hash to its level-0 tile hash", index+int64(i))
			}
		}
		index += width
	}
	fmt.Printf("OK tlog.RecordHash of all %d entries equals the level-0 tiles\n", index)
}

func checkProofs(dir string, tree tlog.Tree, hr tlog.HashReader) {
	raw, err := os.ReadFile(filepath.Join(dir, "proofs.json"))
	if err != nil {
		fail("%v", err)
	}
	var p proofs
	if err := json.Unmarshal(raw, &p); err != nil {
		fail("proofs.json: %v", err)
	}
	for _, inc := range p.Inclusion {
		leaf, err := hr.ReadHashes([]int64{tlog.StoredHashIndex(0, inc.Index)})
		if err != nil {
			fail("%v", err)
		}
		ours := tlog.RecordProof(inc.Proof)
		if err := tlog.CheckRecord(ours, inc.Size, inc.Root, inc.Index, leaf[0]); err != nil {
			fail("inclusion of %d in %d: CheckRecord: %v", inc.Index, inc.Size, err)
		}
		theirs, err := tlog.ProveRecord(inc.Size, inc.Index, hr)
		if err != nil || !sameHashes(ours, theirs) {
			fail("inclusion of %d in %d: ours differs from ProveRecord (%v)", inc.Index, inc.Size, err)
		}
	}
	fmt.Printf("OK %d inclusion proofs pass CheckRecord and equal ProveRecord\n", len(p.Inclusion))
	for _, c := range p.Consistency {
		ours := tlog.TreeProof(c.Proof)
		if err := tlog.CheckTree(ours, c.New, c.NewRoot, c.Old, c.OldRoot); err != nil {
			fail("consistency %d -> %d: CheckTree: %v", c.Old, c.New, err)
		}
		theirs, err := tlog.ProveTree(c.New, c.Old, hr)
		if err != nil || !sameHashes(ours, theirs) {
			fail("consistency %d -> %d: ours differs from ProveTree (%v)", c.Old, c.New, err)
		}
	}
	fmt.Printf("OK %d consistency proofs pass CheckTree and equal ProveTree\n", len(p.Consistency))
}

func sameHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i][:], b[i][:]) {
			return false
		}
	}
	return true
}
