package dev.jaio.cli.aiostress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @Test
    void suffixesAreBinaryUnitsInEitherCase() {
        assertEquals(1L << 30, Sizes.parseSize("-s", "1g", Sizes.MIB));
        assertEquals(3L << 30, Sizes.parseSize("-s", "3G", Sizes.MIB));
        assertEquals(400L << 20, Sizes.parseSize("-s", "400m", Sizes.KIB));
        assertEquals(4L << 20, Sizes.parseSize("-s", "4M", 1));
        assertEquals(64L << 10, Sizes.parseSize("-r", "64k", Sizes.MIB));
        assertEquals(16L << 10, Sizes.parseSize("-r", "16K", Sizes.MIB));
        assertEquals(512, Sizes.parseSize("-r", "512b", Sizes.KIB));
        assertEquals(4096, Sizes.parseSize("-r", "4096B", Sizes.KIB));
    }

    @Test
    void withoutSuffixTheFlagsDefaultUnitApplies() {
        assertEquals(64L << 10, Sizes.parseSize("-r", "64", Sizes.KIB));
        assertEquals(8L << 10, Sizes.parseSize("-a", "8", Sizes.KIB));
        assertEquals(1024L << 20, Sizes.parseSize("-s", "1024", Sizes.MIB));
        assertEquals(4L << 20, Sizes.parseSize("-C", "4", Sizes.MIB));
        assertEquals(0, Sizes.parseSize("-s", "0", Sizes.MIB));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "m", "1.5g", "1x", "-1m", "1 m", "0x10", "1mb", "99999999999999999999"})
    void anythingElseIsRefusedNamingTheFlag(String value) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class,
                () -> Sizes.parseSize("-s", value, Sizes.MIB));
        assertTrue(e.getMessage().startsWith("-s '" + value + "': "), e.getMessage());
    }

    @Test
    void hugeSizesDoNotOverflow() {
        assertThrows(InvalidOptionException.class, () -> Sizes.parseSize("-s", "9999999999999g", Sizes.MIB));
    }

    @Test
    void integersAcceptASign() {
        assertEquals(-1, Sizes.parseInt("-I", "-1"));
        assertEquals(64, Sizes.parseInt("-d", "64"));
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> Sizes.parseInt("-d", "64k"));
        assertEquals("-d '64k': not an integer", e.getMessage());
        assertThrows(InvalidOptionException.class, () -> Sizes.parseInt("-d", "99999999999"));
    }
}
