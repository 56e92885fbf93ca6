package dev.raftkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link PendingCalls}: every unfinished item added stays listed however many finished ones are
 * dropped around it, and the array stays within about twice the most items unfinished at once.
 */
class PendingCallsTest {

    private final PendingCalls<CompletableFuture<?>> calls = new PendingCalls<>(CompletableFuture::isDone);

    @Test
    void listsTheUnfinishedItemsInTheOrderAdded() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<String> c = new CompletableFuture<>();
        calls.add(a);
        calls.add(b);
        calls.add(c);
        b.complete("done");

        assertThat(calls.unfinished()).containsExactly(a, c);
    }

    @Test
    void keepsEveryUnfinishedItemWhileDroppingTheFinishedOnes() {
        List<CompletableFuture<?>> unfinished = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            CompletableFuture<String> call = new CompletableFuture<>();
            calls.add(call);
            if (i % 97 == 0) {
                unfinished.add(call); // one long-lived call now and then, among short-lived ones
            } else {
                call.complete("done");
            }
        }

        assertThat(calls.unfinished()).containsExactlyElementsOf(unfinished);
        assertThat(calls.capacity()).as("about twice the %d unfinished", unfinished.size())
                .isLessThanOrEqualTo(4 * Math.max(unfinished.size(), PendingCalls.MIN_CAPACITY));
    }

    @Test
    void growsWithTheUnfinishedItemsAndShrinksOnceTheyFinish() {
        List<CompletableFuture<String>> burst = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            CompletableFuture<String> call = new CompletableFuture<>();
            burst.add(call);
            calls.add(call);
        }
        assertThat(calls.unfinished()).hasSize(5_000);
        assertThat(calls.capacity()).isBetween(5_000, 10_000);

        burst.forEach(call -> call.complete("done"));
        for (int i = 0; i < 20_000; i++) {
            calls.add(CompletableFuture.completedFuture("done"));
        }

        assertThat(calls.unfinished()).isEmpty();
        assertThat(calls.capacity()).as("back to the smallest array").isEqualTo(PendingCalls.MIN_CAPACITY);
    }

    @Test
    void keepsTheItemsThatThreadsAddTogether() throws InterruptedException {
        int threads = 4;
        int perThread = 20_000;
        List<CompletableFuture<?>> unfinished = new ArrayList<>();
        List<List<CompletableFuture<?>>> kept = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            List<CompletableFuture<?>> mine = new ArrayList<>();
            kept.add(mine);
            new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    CompletableFuture<String> call = new CompletableFuture<>();
                    calls.add(call);
                    if (i % 50 == 0) {
                        mine.add(call);
                    } else {
                        call.complete("done");
                    }
                }
                done.countDown();
            }, "adder-" + t).start();
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("the adders finished").isTrue();
        kept.forEach(unfinished::addAll);

        assertThat(calls.unfinished()).containsExactlyInAnyOrderElementsOf(unfinished);
    }
}
