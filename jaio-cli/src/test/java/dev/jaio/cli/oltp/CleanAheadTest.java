package dev.jaio.cli.oltp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jaio.cli.oltp.OltpSettings.CleanAhead;
import org.junit.jupiter.api.Test;

/** {@code --clean-ahead}'s spellings and bounds. */
class CleanAheadTest {

    @Test
    void spellingsParseToTheWindowTheyNameAndPrintBack() {
        assertEquals(CleanAhead.AUTO, CleanAhead.parse("auto"));
        assertEquals(new CleanAhead(10, true), CleanAhead.parse(" AUTO:10 "));
        assertEquals(CleanAhead.DEFAULT, CleanAhead.parse("5"));
        assertEquals(new CleanAhead(50, false), CleanAhead.parse("50"));
        for (String s : new String[] {"auto", "auto:10", "5", "1"}) {
            assertEquals(CleanAhead.parse(s), CleanAhead.parse(CleanAhead.parse(s).label()), s);
        }
    }

    @Test
    void outOfRangeOrUnknownValuesNameTheFlagAndTheRule() {
        for (String s : new String[] {"0", "51", "auto:0", "-3", "auto:", "soon", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CleanAhead.parse(s), s);
            assertTrue(e.getMessage().startsWith("--clean-ahead="), e.getMessage());
        }
    }
}
