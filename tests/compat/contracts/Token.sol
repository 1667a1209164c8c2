// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// An OpenZeppelin ERC-20 whose whole supply goes to the deployer, with one
/// capped mint that reverts with a reason string (require) and one guard that
/// reverts with a custom error of our own.
contract Token is ERC20 {
    uint256 public constant MINT_CAP = 1000 ether;

    error AmountTooSmall(uint256 amount, uint256 minimum);

    constructor(uint256 supply) ERC20("Chainbox Token", "CBT") {
        _mint(msg.sender, supply);
    }

    function mintCapped(address to, uint256 amount) external {
        require(amount <= MINT_CAP, "Token: mint over cap");
        _mint(to, amount);
    }

    function transferAtLeast(address to, uint256 amount, uint256 minimum) external returns (bool) {
        if (amount < minimum) revert AmountTooSmall(amount, minimum);
        _transfer(msg.sender, to, amount);
        return true;
    }
}
