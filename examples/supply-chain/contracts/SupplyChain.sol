// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SupplyChain
/// @notice Traces products from their manufacturer to the shop.  Parties
/// register themselves under one role; a manufacturer registers an item; the
/// item's current holder hands it to another registered party, saying where.
/// Every holder, with the time and place it received the item, stays in the
/// item's history, which anyone can read back or check against a trail.
contract SupplyChain {
    enum Role {
        None,
        Manufacturer,
        Distributor,
        Retailer
    }

    struct Party {
        Role role;
        string name;
    }

    /// One stop in an item's life: who held it, from when, and where.
    struct Step {
        address holder;
        uint64 timestamp;
        string location;
    }

    struct Item {
        address manufacturer;
        string description;
        Step[] history; // history[0] is the manufacturer; the last is the holder
    }

    mapping(address => Party) private parties;
    mapping(uint256 => Item) private items;
    uint256 public itemCount;

    event PartyRegistered(address indexed party, Role role, string name);
    event ItemRegistered(uint256 indexed item, address indexed manufacturer, string description);
    event Handover(uint256 indexed item, address indexed from, address indexed to, uint64 timestamp, string location);

    /// Role.None is not a role one can register under.
    error InvalidRole();
    /// `party` already holds `role`; a party registers once.
    error AlreadyRegistered(address party, Role role);
    /// `party` has not registered.
    error NotRegistered(address party);
    /// Only manufacturers register items; `caller` is a `role`.
    error NotManufacturer(address caller, Role role);
    /// An item with this id already exists.
    error ItemExists(uint256 item);
    /// No item has this id.
    error UnknownItem(uint256 item);
    /// Only the item's current `holder` may hand it over.
    error NotHolder(uint256 item, address holder);
    /// The holder tried to hand the item to itself.
    error SelfHandover(uint256 item);

    // --- parties -----------------------------------------------------------

    /// Registers the caller as a `role` under a display name.
    function register(Role role, string calldata name) external {
        if (role == Role.None) revert InvalidRole();
        Role current = parties[msg.sender].role;
        if (current != Role.None) revert AlreadyRegistered(msg.sender, current);
        parties[msg.sender] = Party(role, name);
        emit PartyRegistered(msg.sender, role, name);
    }

    function partyOf(address party) external view returns (Role role, string memory name) {
        Party storage p = parties[party];
        return (p.role, p.name);
    }

    // --- items -------------------------------------------------------------

    /// A manufacturer registers a new item, which it holds at `location`.
    function registerItem(uint256 item, string calldata description, string calldata location) external {
        Role role = parties[msg.sender].role;
        if (role != Role.Manufacturer) revert NotManufacturer(msg.sender, role);
        Item storage it = items[item];
        if (it.manufacturer != address(0)) revert ItemExists(item);
        it.manufacturer = msg.sender;
        it.description = description;
        it.history.push(Step(msg.sender, uint64(block.timestamp), location));
        itemCount += 1;
        emit ItemRegistered(item, msg.sender, description);
    }

    /// The holder hands `item` to the registered party `to`, at `location`.
    function handover(uint256 item, address to, string calldata location) external {
        Item storage it = _item(item);
        address holder = it.history[it.history.length - 1].holder;
        if (msg.sender != holder) revert NotHolder(item, holder);
        if (to == holder) revert SelfHandover(item);
        if (parties[to].role == Role.None) revert NotRegistered(to);
        uint64 now_ = uint64(block.timestamp);
        it.history.push(Step(to, now_, location));
        emit Handover(item, holder, to, now_, location);
    }

    function itemOf(uint256 item)
        external
        view
        returns (address manufacturer, string memory description, address holder, uint256 steps)
    {
        Item storage it = _item(item);
        return (it.manufacturer, it.description, it.history[it.history.length - 1].holder, it.history.length);
    }

    function holderOf(uint256 item) external view returns (address) {
        Item storage it = _item(item);
        return it.history[it.history.length - 1].holder;
    }

    /// Every holder of `item`, the manufacturer first and the holder last.
    function history(uint256 item) external view returns (Step[] memory) {
        return _item(item).history;
    }

    /// True when `item` exists and passed through exactly `expectedTrail`,
    /// in that order, manufacturer first and current holder last.
    function verify(uint256 item, address[] calldata expectedTrail) external view returns (bool) {
        Step[] storage h = items[item].history;
        if (h.length == 0 || h.length != expectedTrail.length) return false;
        for (uint256 i = 0; i < h.length; i++) {
            if (h[i].holder != expectedTrail[i]) return false;
        }
        return true;
    }

    function _item(uint256 item) private view returns (Item storage it) {
        it = items[item];
        if (it.manufacturer == address(0)) revert UnknownItem(item);
    }
}
