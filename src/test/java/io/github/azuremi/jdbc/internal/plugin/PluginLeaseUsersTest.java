package io.github.azuremi.jdbc.internal.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Who uses a plugin lease: the applications, known by their threads' context class loaders. A lease is given back
 * when the last application that used it stops; the container's threads are nobody.
 */
class PluginLeaseUsersTest {

    private final ClassLoader library = PluginLeaseUsers.class.getClassLoader();
    private final URLClassLoader appA = new URLClassLoader(new URL[0], library);
    private final URLClassLoader appB = new URLClassLoader(new URL[0], library);
    private final PluginLeaseUsers users = new PluginLeaseUsers();

    @AfterEach
    void close() throws Exception {
        appA.close();
        appB.close();
    }

    @Test
    void theLastApplicationToStopGivesTheLeaseBack() {
        users.add(appA);
        users.add(appB);
        assertThat(users.stopUsing(appA)).as("B still uses it").isFalse();
        assertThat(users.stopUsing(appB)).isTrue();
    }

    @Test
    void anApplicationThatNeverUsedTheLeaseGivesNothingBack() {
        users.add(appA);
        assertThat(users.stopUsing(appB)).isFalse();
        assertThat(users.stopUsing(appA)).isTrue();
        assertThat(users.stopUsing(appA)).as("already stopped").isFalse();
    }

    /** The last user is remembered to skip the set on every login; a stop must forget it, or a new login is lost. */
    @Test
    void anApplicationThatLogsInAgainAfterItsStopIsAUserAgain() {
        users.add(appB);
        users.add(appA);
        assertThat(users.stopUsing(appA)).isFalse();
        users.add(appA); // its login after the stop (or a redeploy that reuses the loader)
        assertThat(users.stopUsing(appB)).as("A uses it again").isFalse();
        assertThat(users.stopUsing(appA)).isTrue();
    }

    @Test
    void threadsOfTheContainerAreNoApplication() {
        users.add(PluginLeaseUsers.current()); // the test's thread: the library's own loader
        users.add(library.getParent());
        users.add(ClassLoader.getPlatformClassLoader());
        users.add(appA);
        assertThat(users.stopUsing(appA)).as("A was the only application").isTrue();
        assertThat(users.stopUsing(library.getParent())).isFalse();
    }

    @Test
    void aThreadWithoutAContextClassLoaderIsNoApplication_andNullStopsNothing() {
        Thread thread = Thread.currentThread();
        ClassLoader original = thread.getContextClassLoader();
        thread.setContextClassLoader(null);
        try {
            users.add(PluginLeaseUsers.current());
        } finally {
            thread.setContextClassLoader(original);
        }
        users.add(appA);
        assertThat(users.stopUsing(null)).isFalse();
        assertThat(users.stopUsing(appA))
                .as("the thread without a loader was not recorded")
                .isTrue();
    }

    @Test
    void onlyTheLoaderThatLoadedTheLibraryOwnsIt() {
        assertThat(PluginLeaseUsers.owns(library, PluginTokens.class)).isTrue();
        assertThat(PluginLeaseUsers.owns(appA, PluginTokens.class)).isFalse();
        assertThat(PluginLeaseUsers.owns(null, PluginTokens.class)).isFalse();
    }
}
