package dev.jaio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code jaio pipe-pingpong}: every backend and the blocking baseline in one run, with sane numbers. */
class PipePingPongCommandTest {

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = JaioCommand.commandLine();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyBackendAndTheBaselineBounceMessages() {
        Run r = run("pipe-pingpong", "--messages", "2000", "--warmup", "200", "--size", "100", "--json");
        assertEquals(0, r.exitCode(), r.err());
        Map<String, Object> root = (Map<String, Object>) Json.parse(r.out());
        assertEquals(100L, ((Number) root.get("messageBytes")).longValue());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) root.get("rows");
        List<String> names = rows.stream().map(m -> (String) m.get("backend")).toList();
        assertEquals("blocking-threads", names.get(names.size() - 1));
        assertTrue(names.contains("threads") && names.contains("epoll+aio"), names.toString());
        for (Map<String, Object> m : rows) {
            assertEquals(2000L, ((Number) m.get("roundTrips")).longValue());
            assertTrue(((Number) m.get("roundTripsPerSecond")).doubleValue() > 0, m.toString());
            // Two threads hand every message back and forth: at least one switch each way is
            // normal; the paper's AIO pipes took many more. Only an impossible count fails here.
            double cs = ((Number) m.get("contextSwitchesPerRoundTrip")).doubleValue();
            assertTrue(cs >= 0 && cs < 1000, m.toString());
        }
    }

    @Test
    void aBadSizeIsAUsageError() {
        Run r = run("pipe-pingpong", "--size", "5000");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--size must be in [1, 4096]"), r.err());
    }

    @Test
    void anUnknownBackendIsAUsageError() {
        Run r = run("pipe-pingpong", "--backends", "kqueue");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown backend 'kqueue'"), r.err());
    }
}
