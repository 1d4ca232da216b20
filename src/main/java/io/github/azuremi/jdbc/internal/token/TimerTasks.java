package io.github.azuremi.jdbc.internal.token;

import java.util.concurrent.Future;

/**
 * Which refresh-timer task of a {@link SharedToken} is current: each schedule gets the next number, and a task
 * whose number is no longer current does nothing when it fires. Not thread-safe: the token holds it in a field
 * guarded by its lock and calls it only under that lock.
 */
final class TimerTasks {

    private long seq;
    private Future<?> task;

    /** The number of the next task; the tasks numbered before it are obsolete from now on. */
    long next() {
        return ++seq;
    }

    boolean isCurrent(long taskSeq) {
        return taskSeq == seq;
    }

    /**
     * Makes {@code newTask} the current task if {@code taskSeq} is still the current number; returns the task to
     * cancel: the one it replaced, or {@code newTask} itself when a newer schedule came first.
     */
    Future<?> replace(long taskSeq, Future<?> newTask) {
        if (taskSeq != seq) {
            return newTask;
        }
        Future<?> obsolete = task;
        task = newTask;
        return obsolete;
    }

    /** Cancels a task of the timer (a refresh or a fetch timeout), if any, without interrupting it. */
    static void cancel(Future<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    /** Forgets the current task and returns it, to cancel (null if there is none). */
    Future<?> clear() {
        Future<?> current = task;
        task = null;
        return current;
    }
}
