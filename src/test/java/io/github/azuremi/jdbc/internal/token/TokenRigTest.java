package io.github.azuremi.jdbc.internal.token;

import static io.github.azuremi.jdbc.internal.token.TokenRig.WAIT;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The rig's own clean-up: what it closes by itself, and what it fails a test for. */
class TokenRigTest {

    /** A rig driven by hand, not registered as an extension: its {@code afterEach} is called by the test. */
    private final TokenRig rig = new TokenRig();

    @Test
    void theLeasesItHandedOutItClosesItself() {
        rig.lease().acquire(WAIT);
        rig.lease(TokenSettings.DEFAULTS).acquire(WAIT);

        assertThatCode(() -> rig.afterEach(null)).doesNotThrowAnyException();
    }

    @Test
    void aLeaseTakenAroundTheRigAndNeverClosedFailsTheTest() {
        rig.registry().register(rig.key(), TokenSettings.DEFAULTS, null).acquire(WAIT);

        assertThatThrownBy(() -> rig.afterEach(null))
                .isInstanceOf(AssertionError.class)
                .hasMessage("1 key(s) still registered after the test: a lease taken around the rig was never closed");
    }

    @Test
    void aTaskLeftOnTheTimerFailsTheTest() {
        rig.timer().schedule(() -> {}, 5);

        assertThatThrownBy(() -> rig.afterEach(null))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("1 task(s) left on the timer after every lease closed");
    }

    @Test
    void itCannotBeReconfiguredOnceItsRegistryIsBuilt() {
        rig.registry();

        assertThatThrownBy(rig::fetchOnThreads)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("configure the rig before the test first uses its registry");
    }
}
