// The store's data key wrapped by an Android Keystore AES-256-GCM key: the Keystore key never leaves
// the Keystore (non-exportable, hardware-backed where the phone has it), and the file holds only the
// wrapped data key (version byte, the 12-byte IV, ciphertext with its tag) in no-backup private storage.
// No user authentication is required: the monitoring service reads and writes while the phone is locked.
package org.twitchwatch.app

import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import java.io.File
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import org.twitchwatch.shell.KeyUnavailableException
import org.twitchwatch.shell.KeyVault

class KeystoreVault(private val file: File) : KeyVault {
    override fun load(): ByteArray? {
        if (!file.exists()) return null
        val bytes = file.readBytes()
        if (bytes.size <= 1 + IV_BYTES || bytes[0] != FORMAT) throw KeyUnavailableException("the wrapped data key is damaged")
        // A missing Keystore key (the app's data restored onto another phone, the Keystore reset) and
        // an invalidated one both end here; the data cannot be read again either way.
        val found: SecretKey? = try {
            keyStore().getKey(ALIAS, null) as? SecretKey
        } catch (e: Exception) {
            throw KeyUnavailableException("the Android Keystore refused the key", e)
        }
        val wrapping = found ?: throw KeyUnavailableException("the Android Keystore key is gone")
        return try {
            val cipher = Cipher.getInstance(TRANSFORMATION)
            cipher.init(Cipher.DECRYPT_MODE, wrapping, GCMParameterSpec(TAG_BITS, bytes, 1, IV_BYTES))
            cipher.doFinal(bytes, 1 + IV_BYTES, bytes.size - 1 - IV_BYTES)
        } catch (e: Exception) {
            throw KeyUnavailableException("the data key could not be unwrapped", e)
        }
    }

    override fun save(key: ByteArray) {
        val wrapping = (keyStore().getKey(ALIAS, null) as? SecretKey) ?: generateWrappingKey()
        val cipher = Cipher.getInstance(TRANSFORMATION)
        // The Keystore picks a fresh random IV for every encryption.
        cipher.init(Cipher.ENCRYPT_MODE, wrapping)
        val sealed = cipher.doFinal(key)
        val iv = cipher.iv
        check(iv.size == IV_BYTES) { "unexpected IV length ${iv.size}" }
        // Written beside and renamed, so a kill part way never leaves half a key.
        val tmp = File(file.parentFile, file.name + ".tmp")
        tmp.writeBytes(byteArrayOf(FORMAT) + iv + sealed)
        if (!tmp.renameTo(file)) {
            tmp.delete()
            throw IllegalStateException("the wrapped data key could not be written")
        }
    }

    override fun delete() {
        file.delete()
        keyStore().deleteEntry(ALIAS)
    }

    private fun keyStore(): KeyStore = KeyStore.getInstance(PROVIDER).apply { load(null) }

    private fun generateWrappingKey(): SecretKey {
        val generator = KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
        generator.init(
            KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setKeySize(256)
                .setRandomizedEncryptionRequired(true)
                .build(),
        )
        return generator.generateKey()
    }

    private companion object {
        const val PROVIDER = "AndroidKeyStore"
        const val ALIAS = "twitchwatch.data-key-wrap"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_BYTES = 12
        const val TAG_BITS = 128
        const val FORMAT: Byte = 1
    }
}
