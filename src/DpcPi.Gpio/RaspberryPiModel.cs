namespace DpcPi.Gpio;

/// <summary>Raspberry Pi models DpcPi knows the GPIO layout of.</summary>
public enum RaspberryPiModel
{
    Pi3B,
    Pi3BPlus,
    Pi4B,
    Pi400,
    Pi5,
    Zero2W,
    ComputeModule4,
}
