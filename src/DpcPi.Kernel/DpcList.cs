namespace DpcPi.Kernel;

/// <summary>An intrusive doubly-linked DPC list: O(1) insert at either end and O(1) remove, no allocation.</summary>
internal struct DpcList
{
    private Dpc? _head;
    private Dpc? _tail;

    public int Count { get; private set; }

    public readonly Dpc? Head => _head;

    public void AddFirst(Dpc dpc)
    {
        dpc.Linked = true;
        dpc.Previous = null;
        dpc.Next = _head;
        if (_head is null)
        {
            _tail = dpc;
        }
        else
        {
            _head.Previous = dpc;
        }

        _head = dpc;
        Count++;
    }

    public void AddLast(Dpc dpc)
    {
        dpc.Linked = true;
        dpc.Next = null;
        dpc.Previous = _tail;
        if (_tail is null)
        {
            _head = dpc;
        }
        else
        {
            _tail.Next = dpc;
        }

        _tail = dpc;
        Count++;
    }

    public void Remove(Dpc dpc)
    {
        if (dpc.Previous is null)
        {
            _head = dpc.Next;
        }
        else
        {
            dpc.Previous.Next = dpc.Next;
        }

        if (dpc.Next is null)
        {
            _tail = dpc.Previous;
        }
        else
        {
            dpc.Next.Previous = dpc.Previous;
        }

        dpc.Next = null;
        dpc.Previous = null;
        dpc.Linked = false;
        Count--;
    }

    public Dpc? RemoveFirst()
    {
        var dpc = _head;
        if (dpc is not null)
        {
            Remove(dpc);
        }

        return dpc;
    }

    public readonly bool Contains(Dpc dpc)
    {
        for (var d = _head; d is not null; d = d.Next)
        {
            if (ReferenceEquals(d, dpc))
            {
                return true;
            }
        }

        return false;
    }
}
