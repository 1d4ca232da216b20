package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A RefreshTimer the test runs by hand: {@link #runDue()} runs what is due on the fake clock. Nothing runs by
 * itself, so a test sees every refresh and fetch timeout as a step it takes.
 */
public final class ManualTimer implements RefreshTimer {

    private final FakeTime time;
    private final List<Task> tasks = new ArrayList<>();
    private int idleCalls;

    public ManualTimer(FakeTime time) {
        this.time = time;
    }

    @Override
    public synchronized Future<?> schedule(Runnable task, long delayNanos) {
        Task t = new Task(time.read() + delayNanos, task, new CompletableFuture<>());
        tasks.add(t);
        // a cancelled task goes at once: it must not keep the token (and its credential) reachable
        t.handle.whenComplete((result, error) -> {
            if (t.handle.isCancelled()) {
                synchronized (this) {
                    tasks.removeIf(x -> x == t);
                }
            }
        });
        return t.handle;
    }

    /** Runs every live task due now; returns how many ran. */
    public int runDue() {
        List<Task> due = new ArrayList<>();
        synchronized (this) {
            tasks.removeIf(t -> t.handle.isCancelled());
            for (Task t : List.copyOf(tasks)) {
                if (t.dueNanos - time.read() <= 0) {
                    due.add(t);
                    tasks.remove(t);
                }
            }
        }
        due.sort(Comparator.comparingLong(Task::dueNanos));
        due.forEach(t -> {
            t.handle.complete(null);
            t.task.run();
        });
        return due.size();
    }

    /** Delay from now until the earliest live task, or null if none. */
    public synchronized Duration nextDelay() {
        tasks.removeIf(t -> t.handle.isCancelled());
        return tasks.stream().mapToLong(Task::dueNanos).min().stream()
                .mapToObj(due -> Duration.ofNanos(due - time.read()))
                .findFirst()
                .orElse(null);
    }

    @Override
    public synchronized void idle() {
        idleCalls++;
    }

    /** How often the registry said that nothing is scheduled any more. */
    public synchronized int idleCalls() {
        return idleCalls;
    }

    /** The tasks scheduled and neither run nor cancelled. */
    public synchronized int liveTasks() {
        tasks.removeIf(t -> t.handle.isCancelled());
        return tasks.size();
    }

    private record Task(long dueNanos, Runnable task, CompletableFuture<Void> handle) {}
}
