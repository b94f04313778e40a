namespace DpcPi.Kernel;

/// <summary>TIMER_TYPE: what an expiry does to the waiters of a <see cref="KernelTimer"/> (<see cref="DpcKernel.InitializeTimerEx"/>).</summary>
public enum TimerType
{
    /// <summary>NotificationTimer: an expiry releases every waiter and the timer stays signaled until it is set again.</summary>
    Notification,

    /// <summary>SynchronizationTimer: an expiry releases one waiter, and the wait that is satisfied resets the timer to not signaled.</summary>
    Synchronization,
}
