/* schedule.h — which task of a model gets the next slice of a shared trial budget (tune
 * --budget), after Ansor's task scheduler: spend trials where the model's summed time can drop
 * most. A task's priority is
 *     weight * best_ns * (gain + EXPLORE / (1 + trials / 16))
 * weight: how many layers run the task; best_ns: its best time now; gain: the relative drop
 * of its best over its last slice (what another slice may still buy); the decaying bonus
 * keeps a task that has seen few trials from being starved by one early verdict. */
#ifndef QT_SCHEDULE_H
#define QT_SCHEDULE_H

typedef struct qt_task_progress {
  double weight;  /* layers that run this task */
  double best_ns; /* best ok time so far, 0 if none */
  double gain;    /* (best before the last slice - best now) / best before, 0 if none */
  int trials;     /* trials given so far */
  int open;       /* 1 if it can take more (not exhausted, not stopped early) */
} qt_task_progress;

/* Index of the open task with the highest priority (ties: the lowest index), or -1. */
int qt_schedule_next(const qt_task_progress *p, int n);

#endif
