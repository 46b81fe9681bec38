system_prompt = """You are a made-up planner used only by this project's tests.\nDecompose the task into subtasks and give the workflow.\nYour response should use the following format:\n\nNode:\n1.<subtask 1>\n2.<subtask 2>\n...\nEdges:(START,1) ... (n,END)"""

one_shot_example = {
    "alfworld":[
        {
            "role": "user",
            "content": "Here is an example.\nFixture room: a shelf 1 and a lamp 1.\n\nYour task is to: look at the lamp."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: go to the lamp\n2: use the lamp\nEdge: (START,1) (1,2) (2,END)"
        }
    ],
    "os": [
        {
            "role": "user",
            "content": "Here is an example.\nFixture shell task: count the files."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: execute bash code to count the files\n2: take answer action\nEdge: (START,1) (1,2) (2,END)"
        }
    ]
}

two_shot_example = {
    "alfworld":[
        {
            "role": "user",
            "content": "Here are two examples. Fixture text for alfworld.\nRoom A: a desk 1.\n\nYour task is to: examine the desk."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: go to desk 1\n2: examine desk 1\nEdge: (START,1) (1,2) (2,END)"
        },
        {
            "role": "user",
            "content": "Room B: a sofa 1.\n\nYour task is to: put a pillow on the sofa."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: find the pillow\n2: take the pillow\n3: put the pillow on sofa 1\nEdge: (START,1) (1,2) (2,3) (3,END)"
        }
    ],
    "webshop":[
        {
            "role": "user",
            "content": "Here are two examples. Fixture shop [SEP] find a red mug under 10 dollars [SEP] Search"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: search[red mug]\n2: click[buy now]\nEdge: (START,1) (1,2) (2,END)"
        },
        {
            "role": "user",
            "content": "Fixture shop [SEP] find blue socks [SEP] Search"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: search[blue socks]\n2: click[buy now]\nEdge: (START,1) (1,2) (2,END)"
        }
    ],
    "os": [
        {
            "role": "user",
            "content": "Here are two examples. You need to strictly follow the format provided in the examples.\nFixture problem one:\n\n  list the hidden files\t(tab kept)  "
        },
        {
            "role": "assistant",
            "content": "Node:\n1: execute bash code to list hidden files\n2: take answer action\nEdge: (START,1) (1,2) (2,END)"
        },
        {
            "role": "user",
            "content": "Fixture problem two: the user’s \"home\" folder size."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: execute bash code to measure the home folder\n2: take answer action\nEdge: (START,1) (1,2) (2,END)"
        }
    ],
    "toolbench": [
        {
            "role": "user",
            "content": "Here are two examples. Fixture tools: get_weather, get_time.\nQuery: weather in Oslo"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: get the weather of Oslo\nEdge: (START,1) (1,END)"
        },
        {
            "role": "user",
            "content": "Fixture tools: get_time.\nQuery: time in Lima"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: get the time of Lima\nEdge: (START,1) (1,END)"
        }
    ],
    "toolalpaca": [
        {
            "role": "user",
            "content": "Here are two examples. Fixture API: books.search.\nFind a book about owls."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: search books about owls\nEdge: (START,1) (1,END)"
        },
        {
            "role": "user",
            "content": "Fixture API: books.get.\nGet book 7."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: get book 7\nEdge: (START,1) (1,END)"
        }
    ],
    "lumos": [
        {
            "role": "user",
            "content": "Here are two examples. Fixture question: who wrote the fixture?"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: search for the fixture's author\nEdge: (START,1) (1,END)"
        },
        {
            "role": "user",
            "content": "Fixture question: how old is the fixture?"
        },
        {
            "role": "assistant",
            "content": "Node:\n1: find when the fixture was written\n2: compute its age\nEdge: (START,1) (1,2) (2,END)"
        }
    ],
    "wikihow": [
        {
            "role": "user",
            "content": "Here are two examples. Fixture how-to: boil water."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: fill a pot\n2: heat the pot\nEdge: (START,1) (1,2) (2,END)"
        },
        {
            "role": "user",
            "content": "Fixture how-to: make tea."
        },
        {
            "role": "assistant",
            "content": "Node:\n1: boil water\n2: steep the tea\nEdge: (START,1) (1,2) (2,END)"
        }
    ]
}

add_prompt = {
    "alfworld": "Fixture reminder for alfworld.",
    "webshop": "Fixture reminder for webshop.",
    "os": "Fixture reminder for os.",
    "toolalpaca": "Fixture reminder for toolalpaca.",
    "toolbench": "Fixture reminder for toolbench.",
    "lumos": "Fixture reminder for lumos.",
    "wikihow": "Fixture reminder for wikihow.",
}
