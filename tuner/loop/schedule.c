/* schedule.c — the task priority of schedule.h. */
#include "tuner/loop/schedule.h"

#define EXPLORE 0.05

int qt_schedule_next(const qt_task_progress *p, int n) {
  /* A task with no ok time yet is priced at the mean best of the others: unknown, not free. */
  double sum = 0;
  int known = 0;
  for (int i = 0; i < n; i++)
    if (p[i].best_ns > 0) {
      sum += p[i].best_ns;
      known++;
    }
  double fallback = known ? sum / known : 1;
  int pick = -1;
  double top = -1;
  for (int i = 0; i < n; i++) {
    if (!p[i].open) continue;
    double best = p[i].best_ns > 0 ? p[i].best_ns : fallback;
    double gain = p[i].gain > 0 ? p[i].gain : 0;
    double prio = p[i].weight * best * (gain + EXPLORE / (1.0 + p[i].trials / 16.0));
    if (prio > top) {
      top = prio;
      pick = i;
    }
  }
  return pick;
}
