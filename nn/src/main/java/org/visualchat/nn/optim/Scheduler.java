package org.visualchat.nn.optim;

/** Drives an optimizer's group learning rates along an {@link LrSchedule}; stepped once per optimizer step. */
public final class Scheduler {
    private final Optimizer optimizer;
    private final LrSchedule schedule;
    private long step;

    public Scheduler(Optimizer optimizer, LrSchedule schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        apply();
    }

    public void step() {
        step++;
        apply();
    }

    /** Optimizer steps taken so far. */
    public long stepCount() { return step; }

    /** Restores the position of a saved run. */
    public void setStepCount(long step) {
        this.step = step;
        apply();
    }

    public LrSchedule schedule() { return schedule; }

    private void apply() {
        double f = schedule.factor(step);
        for (ParamGroup g : optimizer.groups()) g.setLr(g.baseLr() * f);
    }
}
