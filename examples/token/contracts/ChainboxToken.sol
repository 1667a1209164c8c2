// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ChainboxToken (CBT)
/// @notice An ERC-20 token with an owner who mints up to a fixed cap and can
/// pause every movement of tokens.  Written without libraries so that the
/// whole contract, and each of its rules, can be read in one file.
///
/// Failures come in both shapes a client meets: the owner check reverts with
/// a string (Error(string) "not owner"), every other rule with a custom error.
contract ChainboxToken {
    string public constant name = "ChainboxToken";
    string public constant symbol = "CBT";
    uint8 public constant decimals = 18;

    /// The most tokens that may ever exist.
    uint256 public immutable cap;

    address public owner;
    bool public paused;
    uint256 public totalSupply;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event PauseChanged(address indexed by, bool paused);

    /// Minting `requested` would take the supply above the cap; only
    /// `available` more tokens may be minted.
    error CapExceeded(uint256 requested, uint256 available);
    /// `from` holds `balance` tokens and tried to move `needed`.
    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    /// `spender` may move `allowed` of `tokenOwner`'s tokens and tried `needed`.
    error InsufficientAllowance(address tokenOwner, address spender, uint256 allowed, uint256 needed);
    /// The zero address as a recipient, spender or new owner.
    error ZeroAddress();
    /// Tokens cannot move while the owner has paused the token.
    error Paused();

    modifier onlyOwner() {
        require(msg.sender == owner, "not owner");
        _;
    }

    modifier whenNotPaused() {
        if (paused) revert Paused();
        _;
    }

    /// @param cap_ the most tokens that may ever exist, in base units
    /// (1 CBT = 10**18 base units).
    constructor(uint256 cap_) {
        cap = cap_;
        owner = msg.sender;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    // --- the owner ---------------------------------------------------------

    /// Creates `amount` new tokens for `to`.
    function mint(address to, uint256 amount) external onlyOwner whenNotPaused {
        if (to == address(0)) revert ZeroAddress();
        uint256 available = cap - totalSupply;
        if (amount > available) revert CapExceeded(amount, available);
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function pause() external onlyOwner {
        paused = true;
        emit PauseChanged(msg.sender, true);
    }

    function unpause() external onlyOwner {
        paused = false;
        emit PauseChanged(msg.sender, false);
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    // --- ERC-20 ------------------------------------------------------------

    function transfer(address to, uint256 value) external whenNotPaused returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        if (spender == address(0)) revert ZeroAddress();
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// Moves `value` of `from`'s tokens on their behalf.  An allowance of
    /// type(uint256).max is never spent down.
    function transferFrom(address from, address to, uint256 value) external whenNotPaused returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < value) revert InsufficientAllowance(from, msg.sender, allowed, value);
            unchecked {
                allowance[from][msg.sender] = allowed - value;
            }
        }
        _move(from, to, value);
        return true;
    }

    function _move(address from, address to, uint256 value) private {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < value) revert InsufficientBalance(from, balance, value);
        unchecked {
            balanceOf[from] = balance - value;
        }
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}
