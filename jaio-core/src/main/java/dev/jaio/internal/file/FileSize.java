package dev.jaio.internal.file;

import dev.jaio.internal.cache.FileCache;
import dev.jaio.internal.cache.PageFrames;
import dev.jaio.internal.linux.Errno;
import dev.jaio.internal.linux.Libc;
import java.io.IOException;
import java.util.concurrent.CompletionException;

/**
 * The synchronous size operations of an open file, coherent with jaio's cache of it: statx(2)'s
 * size, fallocate(2) and ftruncate(2) (the kernel's truncate_setsize and truncate_pagecache
 * order: the cache's size first, then the file's, then the pages past the end go). All run on the
 * calling thread.
 */
public final class FileSize {

    private static final int PAGE = PageFrames.PAGE_SIZE;

    private final OpenFile file;

    FileSize(OpenFile file) {
        this.file = file;
    }

    /**
     * The file's size, with the writes still in jaio's cache of it (this handle's, or that of the
     * CACHED handles of the file on any engine): every handle sees the size a completed write made,
     * as every descriptor of an inode does.
     */
    public long size() throws IOException {
        file.beginOrThrow("statx");
        try {
            FileCache fc = file.coherence().cache();
            long generation = fc == null ? 0 : fc.sizeGeneration();
            long size = DirectIo.size(file.fd());
            if (size < 0) {
                throw file.failure("statx", -1, -1, (int) -size);
            }
            if (fc != null) {
                // Writes still in the cache count: the file is as long as its readers see it.
                fc.refreshSize(size, generation);
                return fc.size();
            }
            return size;
        } finally {
            file.endOp();
        }
    }

    /** fallocate(2) mode 0 of [position, position + length), after the dirty pages it would cover are written. */
    public void allocate(long position, long length) throws IOException {
        file.checkMode("fallocate", false);
        file.beginOrThrow("fallocate");
        try {
            FileCache fc = file.coherence().cache();
            writeBackBeforeGrowing("fallocate", fc, position + length);
            long rc = Libc.fallocate(file.fd(), 0, position, length);
            if (rc < 0) {
                throw file.failure("fallocate", position, length, (int) -rc);
            }
            if (fc != null) {
                fc.growSize(position + length);
            }
        } finally {
            file.endOp();
        }
    }

    /** ftruncate(2) to {@code size}, through jaio's cache of the file when one has it. */
    public void truncate(long size) throws IOException {
        file.checkMode("ftruncate", false);
        file.beginOrThrow("ftruncate");
        try {
            Coherence coherence = file.coherence();
            // jaio's cache of the file: this handle's, or that of CACHED handles of the file on
            // any engine (a truncate through any handle must reach it).
            FileCache fc = coherence.cache();
            if (fc != null) {
                // beginTruncate may wait for writeback, a page read or another truncate that waits
                // for them: I/O this thread may be the one to complete.
                coherence.refuseWaitOnCompletionThread("ftruncate", size);
                // It waits for writeback at and past the page the new end falls in, and for the
                // lock of that page when the end falls inside it (a read of it holds the lock).
                long endPage = size / PAGE;
                coherence.refuseWaitOnOwnContext("ftruncate", size, fc, endPage, Long.MAX_VALUE, true);
                if (size % PAGE != 0) {
                    coherence.refuseWaitOnOwnContext("ftruncate", size, fc, endPage, endPage, false);
                }
            }
            writeBackBeforeGrowing("ftruncate", fc, size);
            long[] saved = null;
            if (fc != null) {
                // The cache's size first (writeback then skips pages past it), and writes of pages
                // past it must be over before the file shrinks: one finishing later would extend it.
                try {
                    saved = fc.beginTruncate(size);
                } catch (IllegalStateException e) {
                    throw new IllegalStateException("ftruncate " + file.path() + " to " + size + ": " + e.getMessage(),
                            e);
                }
            }
            long rc = Long.MIN_VALUE; // a throw from the call: refused too
            try {
                rc = Libc.ftruncate(file.fd(), size);
            } finally {
                if (fc != null && rc < 0) {
                    fc.abortTruncate(saved); // refused: the sizes stay as they were, writes go on
                }
            }
            if (rc < 0) {
                throw file.failure("ftruncate", size, -1, (int) -rc);
            }
            if (fc != null) {
                // Pages past the new end go (dirty or not); the page the end falls in keeps its bytes
                // before the end and gets zeros after it, as a later extension must read.
                fc.endTruncate(size);
            }
            file.truncatedTo(size);
        } finally {
            file.endOp();
        }
    }

    /**
     * Writes back dirty pages between the disk's end and {@code newEnd} before the file grows
     * there: growing first would show zeros where the cache holds data, were the system to crash.
     */
    private void writeBackBeforeGrowing(String op, FileCache fc, long newEnd) throws IOException {
        if (fc == null || !fc.dirtyBeforeGrowing(newEnd)) {
            return;
        }
        Coherence coherence = file.coherence();
        coherence.refuseWaitOnCompletionThread(op, newEnd);
        coherence.refuseWaitOnOwnContext(op, newEnd, fc, 0, Long.MAX_VALUE, true);
        // A concurrent append may dirty another page there meanwhile: a few turns, then the grow
        // goes on (that append is not older than this call).
        for (int turn = 0; turn < 4 && fc.dirtyBeforeGrowing(newEnd); turn++) {
            try {
                fc.writeBackBeforeGrowing(newEnd).join();
            } catch (CompletionException e) {
                throw file.failure(op, newEnd, -1, Errno.EIO);
            }
            int errno = fc.writebackErrnoBefore(newEnd);
            if (errno != 0) {
                throw file.failure(op, newEnd, -1, errno); // the writeback failed: growing would show zeros
            }
        }
    }
}
