/* test_schedule.c — the task scheduler's policy (tuner/loop/schedule.h), on simulated tasks:
 * slices go to the task whose time still drops, more so when more layers run it; a task whose
 * best stopped improving still gets a decaying share; closed tasks are never picked. */
#include "tests/qt_test.h"
#include "tuner/loop/schedule.h"

/* Gives `slices` slices by the policy to tasks whose best after k slices is curve(i, k);
 * counts per task into given[]. */
typedef double (*curve_fn)(int task, int slices_so_far);

static void simulate(qt_task_progress *p, int n, curve_fn curve, int slices, int *given) {
  for (int i = 0; i < n; i++) {
    given[i] = 0;
    p[i].best_ns = curve(i, 0);
    p[i].gain = 0;
    p[i].trials = 4;
  }
  for (int s = 0; s < slices; s++) {
    int k = qt_schedule_next(p, n);
    CHECK(k >= 0 && k < n);
    if (k < 0) return;
    double before = p[k].best_ns;
    given[k]++;
    p[k].best_ns = curve(k, given[k]);
    p[k].gain = (before - p[k].best_ns) / before;
    p[k].trials += 8;
  }
}

/* Task 0 keeps improving by 5% a slice; task 1 never improves. */
static double improving_vs_flat(int task, int k) {
  if (task == 1) return 1000;
  double t = 1000;
  for (int i = 0; i < k; i++) t *= 0.95;
  return t;
}

/* Task 0 improves by 10% a slice for 4 slices, then never again; task 1 is flat. */
static double improving_then_flat(int task, int k) {
  if (task == 1) return 1000;
  double t = 1000;
  for (int i = 0; i < k && i < 4; i++) t *= 0.9;
  return t;
}

/* Both tasks flat at the same time. */
static double flat(int task, int k) {
  (void)task;
  (void)k;
  return 1000;
}

int main(void) {
  qt_task_progress p[3] = {{1, 0, 0, 0, 1}, {1, 0, 0, 0, 1}, {1, 0, 0, 0, 1}};
  int given[3];
  simulate(p, 2, improving_vs_flat, 20, given);
  CHECK_MSG(given[0] > 2 * given[1], "improving task got %d slices, flat one %d", given[0],
            given[1]);
  CHECK(given[1] > 0); /* the exploration bonus still visits it */
  /* Once a task stops improving, the others get the slices. */
  simulate(p, 2, improving_then_flat, 20, given);
  CHECK_MSG(given[1] > given[0], "stalled task got %d slices, other %d", given[0],
            given[1]);

  /* Same curves, three layers against one: the heavier task gets more. */
  p[0].weight = 3;
  p[1].weight = 1;
  simulate(p, 2, flat, 20, given);
  CHECK_MSG(given[0] > given[1], "weight 3 got %d slices, weight 1 got %d", given[0], given[1]);

  /* A closed task is never picked; none open: -1. */
  qt_task_progress q[2] = {{5, 1000, 0.5, 4, 0}, {1, 10, 0, 4, 1}};
  CHECK(qt_schedule_next(q, 2) == 1);
  q[1].open = 0;
  CHECK(qt_schedule_next(q, 2) == -1);
  /* A task without an ok time yet is priced like the others, not skipped. */
  qt_task_progress r[2] = {{1, 0, 0, 4, 1}, {1, 1000, 0, 40, 1}};
  CHECK(qt_schedule_next(r, 2) == 0);
  return qt_test_finish();
}
