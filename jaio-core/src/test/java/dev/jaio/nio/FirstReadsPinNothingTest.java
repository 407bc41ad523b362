package dev.jaio.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The very first reads of a JVM, made by 2,000 virtual threads at once through one
 * {@link JaioFileChannel}, pin no carrier in jaio's code (no {@code jdk.VirtualThreadPinned} event
 * with a jaio frame): what a read links or initializes on first use is done on the thread that opens
 * the file, since a virtual thread that waits for another's class initialization pins its carrier.
 * In a child JVM, so that nothing was loaded before.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FirstReadsPinNothingTest {

    private static final int THREADS = 2000;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    @Test
    void theFirstReadsOfManyVirtualThreadsPinNoCarrier() throws Exception {
        Path file = dir.resolve("data");
        byte[] bytes = new byte[1024 * PAGE];
        new Random(1).nextBytes(bytes);
        Files.write(file, bytes);
        Path classes = Path.of(JaioFileChannel.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path tests = Path.of(FirstReadsPinNothingTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-cp", classes + ":" + tests, "--enable-native-access=ALL-UNNAMED",
                Child.class.getName(), file.toString(), dir.resolve("child.jfr").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(100, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("reads " + THREADS), output);
        assertTrue(output.contains("pinned in jaio 0"), output);
    }

    /** The child: opens the channel, starts the threads, reads once each, counts pinned events. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            Path jfr = Path.of(args[1]);
            ByteBuffer[] buffers = new ByteBuffer[THREADS]; // made here: the test's own first uses pin too
            for (int i = 0; i < THREADS; i++) {
                buffers[i] = ByteBuffer.allocateDirect(PAGE);
            }
            java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            try (Recording r = new Recording()) {
                r.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO);
                // Not jaio's own events (on by default in a recording): committing one on a virtual
                // thread goes through JFR's string pool, which pins (as the JDK's jdk.FileRead does);
                // what is tested is jaio's code with no recording of its events.
                for (String e : List.of("dev.jaio.FileRead", "dev.jaio.FileWrite", "dev.jaio.FileSync",
                        "dev.jaio.CacheReadahead", "dev.jaio.CacheWriteback", "dev.jaio.CacheThrottle")) {
                    r.disable(e);
                }
                r.start();
                try (FileChannel ch = JaioFileChannel.open(file, StandardOpenOption.READ)) {
                    List<Thread> threads = new ArrayList<>();
                    for (int i = 0; i < THREADS; i++) {
                        ByteBuffer b = buffers[i];
                        long position = (long) (i * 7919 % 1024) * PAGE;
                        threads.add(Thread.ofVirtual().start(() -> {
                            try {
                                go.await();
                                if (ch.read(b, position) == PAGE) {
                                    reads.incrementAndGet();
                                }
                            } catch (Exception e) {
                                e.printStackTrace();
                            }
                        }));
                    }
                    go.countDown();
                    for (Thread t : threads) {
                        t.join();
                    }
                }
                r.stop();
                r.dump(jfr);
            }
            long pinned = 0;
            for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
                if (e.getEventType().getName().equals("jdk.VirtualThreadPinned") && e.getStackTrace() != null
                        && e.getStackTrace().getFrames().stream()
                                .anyMatch(f -> f.getMethod().getType().getName().startsWith("dev.jaio.")
                                        && !f.getMethod().getType().getName().contains("Test"))) {
                    pinned++;
                    System.out.println("pinned: " + e.getStackTrace().getFrames().stream().limit(12)
                            .map(f -> f.getMethod().getType().getName() + "." + f.getMethod().getName()).toList());
                }
            }
            System.out.println("reads " + reads.get());
            System.out.println("pinned in jaio " + pinned);
        }
    }
}
