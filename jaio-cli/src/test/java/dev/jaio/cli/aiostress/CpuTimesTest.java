package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CpuTimesTest {

    @Test
    void parsesUtimeAndStimeAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 12345 0 0 0 250 75 0 0 20 0 30 0 100 0";
        CpuTimes t = CpuTimes.parse(stat);
        assertEquals(2.50, t.userSeconds(), 1e-9);
        assertEquals(0.75, t.systemSeconds(), 1e-9);
    }

    @Test
    void readsThisProcess() {
        CpuTimes before = CpuTimes.now();
        long x = 0;
        for (long i = 0; i < 50_000_000L; i++) {
            x += i ^ (x >>> 3);
        }
        CpuTimes spent = CpuTimes.now().minus(before);
        assertTrue(x != 1 && spent.userSeconds() >= 0 && spent.systemSeconds() >= 0, spent.toString());
    }
}
