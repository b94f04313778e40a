namespace DpcPi.Kernel;

/// <summary>
/// The device side of one vector. When its vector is pending, the ISR thread calls
/// <see cref="Service"/>, which reads what the device has (a batch of GPIO events, a timer's
/// expirations) and calls <see cref="Interrupt.Dispatch"/> once per event. Must not block or allocate.
/// </summary>
public interface IInterruptSource
{
    void Service(Interrupt interrupt);
}
