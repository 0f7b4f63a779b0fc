//! Encryption at rest: the caller's 32-byte data key, the keyring file it unlocks, and the sealing of
//! every stored value with XChaCha20-Poly1305. Keys that would reveal health data are keyed hashes.
//!
//! Layout (docs/storage.md "Encryption at rest" says what stays visible and why):
//! - From the caller's data key K, HMAC-SHA-256 derives three keys: an 8-byte key id, a wrapping key
//!   (for the keyring) and the value key (for every value). Nothing derived from K is ever stored in
//!   clear except the key id, which only tells keys apart.
//! - The keyring file (`twitchwatch-keyring`, beside sled's files) holds one slot per data key that
//!   may open the store: the key id and, sealed under that key's wrapping key, the index secret
//!   (random, for keyed hashes of keys) and every value key the store's records may be sealed with.
//!   Two slots exist only while a re-encryption is unfinished; each can read both keys' records.
//! - A sealed value is `0xE1 | key id (8) | nonce (24) | ciphertext and tag`, the tree's name and
//!   the record's key bound in as associated data, so a value moved to another key or tree fails.
//!   A plaintext value (a store written before encryption) starts with its schema byte (1 or 2),
//!   so the two never look alike and a half-done migration resumes record by record.

use std::path::Path;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::codec::describe_key;
use super::StoreError;

/// First byte of every sealed value; plaintext values start with their schema byte (1 or 2).
pub(crate) const SEALED_MARKER: u8 = 0xE1;
const KEY_ID_LEN: usize = 8;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// The file beside sled's own that holds the keyring.
pub(crate) const KEYRING_FILE: &str = "twitchwatch-keyring";
const KEYRING_MAGIC: &[u8; 8] = b"TWKEYRG1";
/// More would mean two re-encryptions on top of each other, which the store never starts.
const MAX_SLOTS: usize = 2;

/// The caller's secret that opens an encrypted store: 32 random bytes, kept by the shell (Android
/// Keystore-wrapped, iOS Keychain, the desktop CLI's 0600 key file). Wiped from memory on drop;
/// `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    pub fn from_bytes(bytes: [u8; 32]) -> DataKey {
        DataKey(Zeroizing::new(bytes))
    }

    /// A new random key from the operating system's generator.
    pub fn generate() -> DataKey {
        let key = XChaCha20Poly1305::generate_key(&mut OsRng);
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(&key);
        DataKey::from_bytes(bytes)
    }

    /// From a byte slice that must be exactly 32 bytes long (what a shell's keystore returns).
    pub fn from_slice(bytes: &[u8]) -> Result<DataKey, StoreError> {
        let fixed: [u8; 32] = bytes.try_into().map_err(|_| StoreError::InvalidKey {
            reason: format!("a data key is 32 bytes, this one has {}", bytes.len()),
        })?;
        Ok(DataKey::from_bytes(fixed))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn derive(&self, purpose: &[u8]) -> Zeroizing<[u8; 32]> {
        derive(self.as_bytes(), purpose)
    }

    fn id(&self) -> [u8; KEY_ID_LEN] {
        let full = self.derive(b"twitchwatch key id v1");
        let mut id = [0u8; KEY_ID_LEN];
        id.copy_from_slice(&full[..KEY_ID_LEN]);
        id
    }
}

impl DataKey {
    /// Seals a message that travels outside the store (a check-in handed to a running monitor):
    /// XChaCha20-Poly1305 under a key derived for messages, `context` bound in as associated data.
    pub fn seal_message(&self, context: &str, plain: &[u8]) -> Vec<u8> {
        let aead = XChaCha20Poly1305::new(self.derive(b"twitchwatch message key v1")[..].into());
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("XChaCha20-Poly1305 seals any length the store writes");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens what [`DataKey::seal_message`] sealed with this key and `context`; anything else
    /// (another key, changed bytes) is [`StoreError::InvalidKey`].
    pub fn open_message(&self, context: &str, sealed: &[u8]) -> Result<Vec<u8>, StoreError> {
        let refused = || StoreError::InvalidKey {
            reason: "the message was not sealed with this data key, or was changed".into(),
        };
        if sealed.len() < NONCE_LEN {
            return Err(refused());
        }
        let aead = XChaCha20Poly1305::new(self.derive(b"twitchwatch message key v1")[..].into());
        aead.decrypt(
            XNonce::from_slice(&sealed[..NONCE_LEN]),
            Payload {
                msg: &sealed[NONCE_LEN..],
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| refused())
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey(..)")
    }
}

fn derive(secret: &[u8; 32], purpose: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(purpose);
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// What one keyring slot seals.
#[derive(Serialize, Deserialize)]
struct SlotContents {
    index_secret: [u8; 32],
    /// Every value key records may be sealed with, by key id.
    value_keys: Vec<([u8; KEY_ID_LEN], [u8; 32])>,
}

impl Drop for SlotContents {
    fn drop(&mut self) {
        self.index_secret.zeroize();
        for (_, k) in &mut self.value_keys {
            k.zeroize();
        }
    }
}

#[derive(Clone)]
struct Slot {
    key_id: [u8; KEY_ID_LEN],
    nonce: [u8; NONCE_LEN],
    sealed: Vec<u8>,
}

/// The keyring file's slots, as read (nothing decrypted).
#[derive(Clone)]
pub(crate) struct KeyringFile {
    slots: Vec<Slot>,
}

fn keyring_corrupt(path: &Path, detail: &str) -> StoreError {
    StoreError::Corrupt {
        path: path.to_path_buf(),
        detail: format!("the keyring file is damaged ({detail})"),
    }
}

impl KeyringFile {
    pub(crate) fn read(dir: &Path) -> Result<Option<KeyringFile>, StoreError> {
        let bytes = match std::fs::read(dir.join(KEYRING_FILE)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StoreError::Io {
                    path: dir.to_path_buf(),
                    source,
                })
            }
        };
        let rest = bytes
            .strip_prefix(KEYRING_MAGIC.as_slice())
            .ok_or_else(|| keyring_corrupt(dir, "not a TwitchWatch keyring"))?;
        let (&count, mut rest) = rest
            .split_first()
            .ok_or_else(|| keyring_corrupt(dir, "no slot count"))?;
        if count == 0 || count as usize > MAX_SLOTS {
            return Err(keyring_corrupt(dir, "slot count out of range"));
        }
        let mut slots = Vec::new();
        for _ in 0..count {
            if rest.len() < KEY_ID_LEN + NONCE_LEN + 4 {
                return Err(keyring_corrupt(dir, "a slot is cut short"));
            }
            let key_id = rest[..KEY_ID_LEN].try_into().expect("length checked");
            let nonce = rest[KEY_ID_LEN..KEY_ID_LEN + NONCE_LEN]
                .try_into()
                .expect("length checked");
            let len_at = KEY_ID_LEN + NONCE_LEN;
            let len =
                u32::from_be_bytes(rest[len_at..len_at + 4].try_into().expect("4 bytes")) as usize;
            let body = &rest[len_at + 4..];
            if body.len() < len || len > 64 * 1024 {
                return Err(keyring_corrupt(dir, "a slot is cut short"));
            }
            slots.push(Slot {
                key_id,
                nonce,
                sealed: body[..len].to_vec(),
            });
            rest = &body[len..];
        }
        if !rest.is_empty() {
            return Err(keyring_corrupt(dir, "bytes after the last slot"));
        }
        Ok(Some(KeyringFile { slots }))
    }

    /// Replaces the keyring file atomically (temporary file, fsync, rename, fsync of the folder),
    /// so a kill leaves either the old keyring or the new one, never a mix.
    pub(crate) fn write(&self, dir: &Path) -> Result<(), StoreError> {
        let mut out = KEYRING_MAGIC.to_vec();
        out.push(self.slots.len() as u8);
        for s in &self.slots {
            out.extend_from_slice(&s.key_id);
            out.extend_from_slice(&s.nonce);
            out.extend_from_slice(&(s.sealed.len() as u32).to_be_bytes());
            out.extend_from_slice(&s.sealed);
        }
        super::files::write_atomically(dir, KEYRING_FILE, &out)
    }

    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Opens the slot of `key`; [`StoreError::WrongKey`] when none is for it or it does not
    /// decrypt (a key with the same id but other bytes is as wrong as any other).
    pub(crate) fn unlock(&self, dir: &Path, key: &DataKey) -> Result<Cipher, StoreError> {
        let id = key.id();
        let slot =
            self.slots
                .iter()
                .find(|s| s.key_id == id)
                .ok_or_else(|| StoreError::WrongKey {
                    path: dir.to_path_buf(),
                })?;
        let wrap = XChaCha20Poly1305::new(key.derive(b"twitchwatch keyring wrap v1")[..].into());
        let plain = Zeroizing::new(
            wrap.decrypt(
                XNonce::from_slice(&slot.nonce),
                Payload {
                    msg: &slot.sealed,
                    aad: KEYRING_MAGIC,
                },
            )
            .map_err(|_| StoreError::WrongKey {
                path: dir.to_path_buf(),
            })?,
        );
        let contents: SlotContents = serde_json::from_slice(&plain)
            .map_err(|_| keyring_corrupt(dir, "a slot's contents do not decode"))?;
        Ok(Cipher::new(key, &contents))
    }

    /// A keyring with one slot for `key` only.
    pub(crate) fn new_for(key: &DataKey) -> (KeyringFile, Cipher) {
        let mut index_secret = [0u8; 32];
        index_secret.copy_from_slice(&XChaCha20Poly1305::generate_key(&mut OsRng));
        let value_key = key.derive(b"twitchwatch value key v1");
        let contents = SlotContents {
            index_secret,
            value_keys: vec![(key.id(), *value_key)],
        };
        index_secret.zeroize();
        let file = KeyringFile {
            slots: vec![seal_slot(key, &contents)],
        };
        (file, Cipher::new(key, &contents))
    }

    /// The keyring for a move from the key `cipher` was opened with to `new`: two slots, each of
    /// which opens both keys' records, so a re-encryption stopped half way can be finished (or
    /// undone) with whichever key the caller still has. `new` comes last.
    pub(crate) fn for_rotation(cipher: &Cipher, old: &DataKey, new: &DataKey) -> KeyringFile {
        let mut value_keys: Vec<([u8; KEY_ID_LEN], [u8; 32])> = vec![
            (old.id(), *old.derive(b"twitchwatch value key v1")),
            (new.id(), *new.derive(b"twitchwatch value key v1")),
        ];
        value_keys.dedup_by_key(|(id, _)| *id);
        let contents = SlotContents {
            index_secret: *cipher.index_secret,
            value_keys,
        };
        KeyringFile {
            slots: vec![seal_slot(old, &contents), seal_slot(new, &contents)],
        }
    }

    /// This keyring with only the slot of the key `cipher` was opened with.
    pub(crate) fn only(&self, cipher: &Cipher) -> KeyringFile {
        KeyringFile {
            slots: self
                .slots
                .iter()
                .filter(|s| s.key_id == cipher.target_id)
                .cloned()
                .collect(),
        }
    }
}

fn seal_slot(key: &DataKey, contents: &SlotContents) -> Slot {
    let wrap = XChaCha20Poly1305::new(key.derive(b"twitchwatch keyring wrap v1")[..].into());
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let plain = Zeroizing::new(serde_json::to_vec(contents).expect("plain data serialises"));
    let sealed = wrap
        .encrypt(
            &nonce,
            Payload {
                msg: &plain,
                aad: KEYRING_MAGIC,
            },
        )
        .expect("XChaCha20-Poly1305 seals any length the store writes");
    Slot {
        key_id: key.id(),
        nonce: nonce.into(),
        sealed,
    }
}

/// Seals and opens values for one open store: the target key (the caller's) seals, every value
/// key in the keyring opens.
pub(crate) struct Cipher {
    target_id: [u8; KEY_ID_LEN],
    keys: Vec<([u8; KEY_ID_LEN], XChaCha20Poly1305)>,
    index_secret: Zeroizing<[u8; 32]>,
}

impl Cipher {
    fn new(key: &DataKey, contents: &SlotContents) -> Cipher {
        Cipher {
            target_id: key.id(),
            keys: contents
                .value_keys
                .iter()
                .map(|(id, k)| (*id, XChaCha20Poly1305::new(k[..].into())))
                .collect(),
            index_secret: Zeroizing::new(contents.index_secret),
        }
    }

    fn aad(tree: &str, key: &[u8]) -> Vec<u8> {
        let mut aad = Vec::with_capacity(tree.len() + 1 + key.len());
        aad.extend_from_slice(tree.as_bytes());
        aad.push(0);
        aad.extend_from_slice(key);
        aad
    }

    pub(crate) fn seal(&self, tree: &'static str, key: &[u8], plain: &[u8]) -> Vec<u8> {
        let aead = self
            .keys
            .iter()
            .find(|(id, _)| *id == self.target_id)
            .map(|(_, a)| a)
            .expect("the caller's own value key is always in the keyring");
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let aad = Self::aad(tree, key);
        let sealed = aead
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any length the store writes");
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.push(SEALED_MARKER);
        out.extend_from_slice(&self.target_id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The plaintext of a sealed value; a value that is not sealed, or that does not verify,
    /// is a corrupt record (bytes changed on disk, or moved from another key).
    pub(crate) fn open(
        &self,
        tree: &'static str,
        key: &[u8],
        bytes: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let corrupt = |reason: &str| StoreError::CorruptRecord {
            tree,
            key: describe_key(tree, key),
            reason: reason.into(),
        };
        if bytes.len() < HEADER_LEN || bytes[0] != SEALED_MARKER {
            return Err(corrupt("the value is not sealed"));
        }
        let id: [u8; KEY_ID_LEN] = bytes[1..1 + KEY_ID_LEN].try_into().expect("length checked");
        let aead = self
            .keys
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, a)| a)
            .ok_or_else(|| corrupt("sealed with a key this store's keyring does not hold"))?;
        let aad = Self::aad(tree, key);
        aead.decrypt(
            XNonce::from_slice(&bytes[1 + KEY_ID_LEN..HEADER_LEN]),
            Payload {
                msg: &bytes[HEADER_LEN..],
                aad: &aad,
            },
        )
        .map_err(|_| corrupt("the value does not verify (changed on disk)"))
    }

    /// Whether a stored value is sealed under the caller's key (nothing to re-encrypt).
    pub(crate) fn is_current(&self, bytes: &[u8]) -> bool {
        bytes.len() >= HEADER_LEN
            && bytes[0] == SEALED_MARKER
            && bytes[1..1 + KEY_ID_LEN] == self.target_id
    }

    /// A keyed hash standing in for a key that would reveal health data (an event's kind, a
    /// device's name); stable across key rotations, since the index secret does not change.
    pub(crate) fn key_tag(&self, purpose: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_secret[..])
            .expect("HMAC takes any key length");
        mac.update(purpose);
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}
