package dev.jaio;

import java.nio.file.Path;

/**
 * Where a path lives and what O_DIRECT needs there.
 *
 * @param path the path asked about
 * @param type filesystem type, e.g. {@code ext4}
 * @param mountPoint the mount point holding the path
 * @param device the mounted device or source, e.g. {@code /dev/vda}
 * @param blockSize the preferred I/O block size in bytes (statx stx_blksize)
 * @param directIo O_DIRECT alignment for files there
 */
public record FileSystemInfo(Path path, String type, String mountPoint, String device, long blockSize,
        DirectIoAlignment directIo) {
}
