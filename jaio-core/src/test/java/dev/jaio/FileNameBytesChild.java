package dev.jaio;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The child JVM of {@link FileNameBytesTest#namesOpenUnderANonUtf8JnuEncodingToo}: under its
 * sun.jnu.encoding, reads every file of a directory through FileChannel and through jaio, which
 * must agree, then deletes each and makes it again with CREATE_NEW under the same Path. Prints
 * what it did; exits 1 at the first disagreement.
 */
public final class FileNameBytesChild {

    private FileNameBytesChild() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("jnu=" + System.getProperty("sun.jnu.encoding"));
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.toList();
        }
        int opened = 0;
        try (IoEngine engine = IoEngine.open(EngineConfig.defaults())) {
            for (Path p : files) {
                ByteBuffer want = ByteBuffer.allocate(64);
                try (FileChannel ch = FileChannel.open(p)) {
                    ch.read(want, 0);
                }
                MemorySegment got = Arena.ofAuto().allocate(64);
                int n;
                try (AsyncFile f = AsyncFile.open(engine, p, FileOption.READ)) {
                    n = f.read(got, 0).join();
                } catch (Exception e) {
                    System.out.println("FAIL open " + p + ": " + e);
                    System.exit(1);
                    return;
                }
                if (n != want.position() || got.asSlice(0, n).mismatch(MemorySegment.ofArray(want.array()).asSlice(0, n)) != -1) {
                    System.out.println("FAIL " + p + ": jaio read other bytes than FileChannel");
                    System.exit(1);
                }
                Files.delete(p);
                try (AsyncFile f = AsyncFile.open(engine, p, FileOption.WRITE, FileOption.CREATE_NEW)) {
                    f.write(MemorySegment.ofArray(want.array()).asSlice(0, n), 0).join();
                }
                byte[] again = Files.readAllBytes(p);
                if (again.length != n) {
                    System.out.println("FAIL " + p + ": CREATE_NEW made another file");
                    System.exit(1);
                }
                opened++;
                System.out.println("ok " + p + " " + new String(got.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        System.out.println("opened " + opened);
    }
}
