// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// Hardhat's classic time lock: the ether sent to the constructor can be
/// withdrawn by the owner once block.timestamp reaches unlockTime.  The tests
/// move the clock with the network helpers.
contract Lock {
    uint256 public immutable unlockTime;
    address payable public immutable owner;

    event Withdrawal(uint256 amount, uint256 when);

    error TooEarly(uint256 time, uint256 unlockTime);

    constructor(uint256 _unlockTime) payable {
        require(block.timestamp < _unlockTime, "Lock: unlock time should be in the future");
        unlockTime = _unlockTime;
        owner = payable(msg.sender);
    }

    function withdraw() public {
        if (block.timestamp < unlockTime) revert TooEarly(block.timestamp, unlockTime);
        require(msg.sender == owner, "Lock: you aren't the owner");
        uint256 amount = address(this).balance;
        emit Withdrawal(amount, block.timestamp);
        (bool ok, ) = owner.call{value: amount}("");
        require(ok, "Lock: transfer failed");
    }
}
