namespace DpcPi.Gpio;

/// <summary>One end of a wire: a part's pin, or a header pin (<see cref="Part"/> = "pi", <see cref="Pin"/> = its physical number).</summary>
public sealed record WiringEndpoint(string Part, string Pin)
{
    /// <summary>The part id of the Raspberry Pi's 40-pin header.</summary>
    public const string Header = "pi";

    public bool IsHeader => Part == Header;

    /// <summary>The physical header pin; only when <see cref="IsHeader"/>.</summary>
    public int PhysicalPin => IsHeader ? int.Parse(Pin, System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"{this} is not a header pin.");

    public override string ToString() => $"{Part}.{Pin}";
}
