package org.visualchat.opencl;

/**
 * Bytes and calls of explicit host↔device transfers made through {@link OpenClBackend#upload} and
 * {@link OpenClBackend#download} (tensor payloads; the one-time zeroing of the arenas when the backend
 * opens is not counted). Tests use it to prove weights are uploaded once and activations stay on the device.
 */
public record TransferStats(long uploads, long bytesUploaded, long downloads, long bytesDownloaded) {
    TransferStats plusUpload(long bytes) {
        return new TransferStats(uploads + 1, bytesUploaded + bytes, downloads, bytesDownloaded);
    }

    TransferStats plusDownload(long bytes) {
        return new TransferStats(uploads, bytesUploaded, downloads + 1, bytesDownloaded + bytes);
    }
}
