// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// An OpenZeppelin ERC-721 that its owner mints with safeMint, numbering the
/// tokens from 0.
contract Collectible is ERC721, Ownable {
    uint256 private _nextTokenId;

    constructor(address initialOwner) ERC721("Chainbox Collectible", "CBC") Ownable(initialOwner) {}

    function safeMint(address to) public onlyOwner returns (uint256) {
        uint256 tokenId = _nextTokenId++;
        _safeMint(to, tokenId);
        return tokenId;
    }

    function _baseURI() internal pure override returns (string memory) {
        return "https://chainbox.invalid/token/";
    }
}
