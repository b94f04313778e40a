namespace DpcPi.Gpio;

/// <summary>What a part's pin does electrically; the wiring rules (<see cref="WiringRules"/>) reason with it.</summary>
public enum WiringPinRole
{
    /// <summary>A contact or a resistor end: carries what the net carries, drives nothing by itself.</summary>
    Passive,

    /// <summary>A logic input (HC-SR04 TRIG).</summary>
    Input,

    /// <summary>A logic output at the part's supply voltage (HC-SR04 ECHO: 5 V when VCC is on 5 V).</summary>
    Output,

    /// <summary>Either direction (a level shifter's channel).</summary>
    Bidirectional,

    /// <summary>A supply input (VCC).</summary>
    Power,

    /// <summary>Ground.</summary>
    Ground,
}
