// The relay's payload encryption, from Go: every payload this client sends is encrypted and every answer
// decrypted exactly as the relay's own codec does (codec/aes-gcm-codec.ts), so a Go backend works with workers
// that encrypt. Keys come from S2S_PAYLOAD_KEYS, the same `keyId:base64key` list the workers use (the first
// entry encrypts, every entry decrypts). Format aes-256-gcm+hkdf-sha256/v1: the whole payload (protobuf) is
// the plaintext; a per-payload AES-256 key from HKDF-SHA256 over the configured key with a random 16-byte salt;
// a random 12-byte nonce; data = salt | nonce | ciphertext | tag; the cipher name and key id as GCM additional
// data. Payloads that are not encrypted pass through decode.
package main

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

const (
	encryptedEncoding = "binary/encrypted"
	keyIDMetadata     = "encryption-key-id"
	cipherMetadata    = "encryption-cipher"
	cipherName        = "aes-256-gcm+hkdf-sha256/v1"
	hkdfInfo          = "s2s-relay payload key v1"
	saltBytes         = 16
	nonceBytes        = 12
	tagBytes          = 16
	keyBytes          = 32
)

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// payloadCodec encrypts with the primary key and decrypts with any configured one.
type payloadCodec struct {
	primary string
	keys    map[string][]byte
}

// parsePayloadKeys reads `keyId:base64key` entries (commas or lines; # comments). Empty text: no encryption.
func parsePayloadKeys(text string) (*payloadCodec, error) {
	c := &payloadCodec{keys: map[string][]byte{}}
	for i, entry := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == '\n' }) {
		entry = strings.TrimSpace(entry)
		if entry == "" || strings.HasPrefix(entry, "#") {
			continue
		}
		id, encoded, ok := strings.Cut(entry, ":")
		id, encoded = strings.TrimSpace(id), strings.TrimSpace(encoded)
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("S2S_PAYLOAD_KEYS entry %d must be keyId:base64key (key id: letters, digits, . _ -)", i+1)
		}
		key, err := base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "/").Replace(encoded))
		if err != nil {
			key, err = base64.RawStdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "/").Replace(encoded))
		}
		if err != nil || len(key) != keyBytes {
			return nil, fmt.Errorf("S2S_PAYLOAD_KEYS entry %d (key id %q): the key must be %d bytes in base64", i+1, id, keyBytes)
		}
		if _, dup := c.keys[id]; dup {
			return nil, fmt.Errorf("S2S_PAYLOAD_KEYS: key id %q is used twice", id)
		}
		if c.primary == "" {
			c.primary = id
		}
		c.keys[id] = key
	}
	if c.primary == "" {
		return nil, nil
	}
	return c, nil
}

func additionalData(keyID string) []byte { return []byte(cipherName + "\x00" + keyID) }

func gcmFor(key, salt []byte) (cipher.AEAD, error) {
	derived, err := hkdf.Key(sha256.New, key, salt, hkdfInfo, keyBytes)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(derived)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Encode implements converter.PayloadCodec.
func (c *payloadCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plaintext, err := proto.Marshal(p)
		if err != nil {
			return nil, err
		}
		random := make([]byte, saltBytes+nonceBytes)
		if _, err := rand.Read(random); err != nil {
			return nil, err
		}
		gcm, err := gcmFor(c.keys[c.primary], random[:saltBytes])
		if err != nil {
			return nil, err
		}
		data := gcm.Seal(random, random[saltBytes:], plaintext, additionalData(c.primary))
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{"encoding": []byte(encryptedEncoding), keyIDMetadata: []byte(c.primary), cipherMetadata: []byte(cipherName)},
			Data:     data,
		}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec.
func (c *payloadCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()["encoding"]) != encryptedEncoding {
			out[i] = p
			continue
		}
		keyID := string(p.GetMetadata()[keyIDMetadata])
		if format := string(p.GetMetadata()[cipherMetadata]); format != cipherName {
			return nil, fmt.Errorf("cannot decrypt a payload encrypted with key %q: its format is %q, this codec reads %s", keyID, format, cipherName)
		}
		key, ok := c.keys[keyID]
		if !ok {
			return nil, fmt.Errorf("cannot decrypt a payload: it was encrypted with key %q, which is not in S2S_PAYLOAD_KEYS", keyID)
		}
		data := p.GetData()
		if len(data) < saltBytes+nonceBytes+tagBytes {
			return nil, fmt.Errorf("cannot decrypt a payload encrypted with key %q: its data is too short", keyID)
		}
		gcm, err := gcmFor(key, data[:saltBytes])
		if err != nil {
			return nil, err
		}
		plaintext, err := gcm.Open(nil, data[saltBytes:saltBytes+nonceBytes], data[saltBytes+nonceBytes:], additionalData(keyID))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt a payload encrypted with key %q: authentication failed (altered, or another key)", keyID)
		}
		inner := &commonpb.Payload{}
		if err := proto.Unmarshal(plaintext, inner); err != nil {
			return nil, err
		}
		out[i] = inner
	}
	return out, nil
}

// dataConverter is the SDK's default converter, with the relay's encryption when keys are configured.
func dataConverter(keysText string) (converter.DataConverter, error) {
	codec, err := parsePayloadKeys(keysText)
	if err != nil || codec == nil {
		return converter.GetDefaultDataConverter(), err
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), codec), nil
}
